export { startIntervalsSim } from './intervals-sim.js';
export {
  INTERVALS_SIM_FIELDS,
  type IntervalsSim,
  type IntervalsSimAthlete,
  type IntervalsSimAthleteInput,
  type IntervalsSimAuth,
  type IntervalsSimFault,
  type IntervalsSimField,
  type IntervalsSimOptions,
  type IntervalsSimRequest,
  type IntervalsSimWellness,
  type IntervalsSimWellnessInput,
} from './types.js';
