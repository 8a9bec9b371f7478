export type {
  SimDelivery,
  SimGroupChange,
  SimMeasureGroup,
  SimSubscription,
  SimWeighIn,
  SimWithingsTokens,
  WithingsAppRateLimit,
  WithingsDeliveryOptions,
  WithingsFault,
  WithingsRateStats,
  WithingsSim,
  WithingsSimOptions,
} from './types.js';
export { startWithingsSim } from './withings-sim.js';
