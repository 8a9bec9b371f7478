import type { StoreFactory } from './world.js';

/**
 * A DynamoDB (dynalite) store factory for the † scenarios, once @wg-sync/adapter-lambda provides
 * `dynamoStore`. Until then the † scenarios run on the file store only.
 */
export const dynamoStoreFactory: StoreFactory | undefined = undefined;
