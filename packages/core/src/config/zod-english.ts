// Not `zod/v4/locales/en.js`: zod's `./v4/locales/*` export sends `require` to the ESM file, so our
// CJS build would get a module namespace instead of the function. `zod/mini` already loads this
// index (it re-exports `locales`), and bundlers drop the other locales (zod has no side effects).
import { en } from 'zod/v4/locales';

/**
 * zod's English messages, passed on every parse in this package: `zod/mini` loads no locale, so
 * without it every issue would say only "Invalid input". Passed per parse rather than through
 * `z.config()`, which would change the messages of the user's own zod schemas too.
 * @internal
 */
export const ENGLISH = /* @__PURE__ */ en().localeError;
