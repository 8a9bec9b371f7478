// Not `zod/v4/locales/en.js`: zod maps `require` of that subpath to the ES module itself, and in our
// CJS build the interop helper then wraps the namespace, so `default` is not a function and
// `require('@wg-sync/intervals')` throws.
// `zod/v4/locales` has both builds, and zod/mini already loads it, so it costs nothing unbundled;
// bundlers keep only `en`.
import { en } from 'zod/v4/locales';

/**
 * The English error map classic zod installs by default ("Invalid input: expected string, received
 * number"); zod/mini configures no locale and would say only "Invalid input". Passed on each parse as
 * `{ error: ENGLISH }` rather than set with `z.config()`, which would change the caller's own zod.
 */
export const ENGLISH = en().localeError;
