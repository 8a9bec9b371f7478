/**
 * Simulated Withings, Garmin Connect and intervals.icu servers: real HTTP servers on 127.0.0.1
 * that speak the recorded protocols, with a controllable clock, injected latency, a request log and
 * fault injection. Used by wg-sync's own tests, the demo and the benchmark, and by your tests.
 *
 * It imports none of the other `@wg-sync` packages, so a bug in a client cannot hide in its simulator.
 *
 * @packageDocumentation
 */

export { startGarminSim } from './garmin/garmin-sim.js';
export type {
  GarminSim,
  GarminSimAccount,
  GarminSimBloodPressure,
  GarminSimFault,
  GarminSimFaultKind,
  GarminSimFaults,
  GarminSimOptions,
  GarminSimTokens,
  GarminSimUpload,
  GarminSimUploadLimits,
  GarminSimWeighIn,
  GarminSimWeighInInput,
} from './garmin/types.js';
export * from './intervals/index.js';
export { createClock, type SimClock } from './shared/clock.js';
export { FaultQueue } from './shared/faults.js';
export {
  json,
  type RecordedRequest,
  type SimHandler,
  type SimHttpServer,
  startHttpServer,
} from './shared/http-server.js';
export {
  type EndlessBody,
  endlessBody,
  type RawServer,
  startRawServer,
  within,
} from './shared/raw-server.js';
export {
  type SparticuzChromium,
  SYSTEM_CHROMIUM_PATHS,
  TEST_CHROMIUM_ARGS,
  type TestChromium,
  TestChromiumError,
  type TestChromiumErrorCode,
  type TestChromiumOptions,
  type TestChromiumSource,
  testChromium,
} from './test-chromium.js';
export * from './withings/index.js';
