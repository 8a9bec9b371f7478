/**
 * Test helpers for wg-sync state stores: the contract suite every `StateStore` must pass.
 * Requires `vitest` (a peer dependency of this entry point only).
 *
 * @packageDocumentation
 */
export { runStateStoreContract, type StateStoreContractContext } from './state-store-contract.js';
