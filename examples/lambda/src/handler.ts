import { lambdaHandlerFromEnv } from '@wg-sync/adapter-lambda';

/**
 * The Lambda entry point (`handler.handler` in template.yaml). Creating it does no work: the secret,
 * the configuration and the engine are set up on the first event.
 */
export const handler = lambdaHandlerFromEnv();
