/**
 * The one test world wg-sync's own tests share: both simulators on 127.0.0.1, a store, a linked
 * account, an engine config, and cleanup after each test. Private, never built: the harness of each
 * package imports it from source and adds only what is its own (Express app, Lambda events, DynamoDB,
 * fault injection).
 *
 * @packageDocumentation
 */

export { afterCleanups, onCleanup } from './cleanup.js';
export { FORM, minutesAgo, notification, until } from './helpers.js';
export {
  expectDeletionsFollowedAfterUpgrade,
  expectSyncedOnAfterUpgrade,
  expectSyncedOnceByTwoProcesses,
  type OpenUpgradeStore,
  type UpgradeWorld,
  upgradeWorld,
} from './upgrade-0.1.0.js';
export {
  ANA,
  collectLogs,
  type LinkedWorld,
  type LinkedWorldOptions,
  linkedWorld,
  type Simulators,
  type SimulatorsOptions,
  type SyncConfigOptions,
  startSimulators,
  syncConfig,
  type TempFileStore,
  tempFileStore,
} from './world.js';
