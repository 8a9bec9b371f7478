export type {
  SimDelivery,
  SimGroupChange,
  SimMeasureGroup,
  SimSubscription,
  SimWeighIn,
  SimWithingsTokens,
  WithingsDeliveryOptions,
  WithingsFault,
  WithingsSim,
  WithingsSimOptions,
} from './types.js';
export { startWithingsSim } from './withings-sim.js';
