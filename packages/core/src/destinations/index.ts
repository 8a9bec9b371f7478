export type {
  BloodPressureReading,
  Destination,
  DestinationAccepts,
  DestinationAccount,
  DestinationSession,
  DestinationWeighIn,
  StoredBloodPressure,
  StoredWeighIn,
  TimeRange,
  WriteOutcome,
} from './destination.js';
export { garminDestination } from './garmin/garmin-destination.js';
export {
  DestinationLedger,
  type DestinationLedgerRecord,
  destinationKeys,
  GARMIN_DESTINATION_ID,
} from './ledger.js';
