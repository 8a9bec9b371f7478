// The `zod/v4/locales` entry, not `zod/v4/locales/en.js`: zod maps that file's `require` condition to
// the ES module, so in our CommonJS build its default export came out as the module, not the function.
import { en } from 'zod/v4/locales';

/**
 * zod's English error map. `zod/mini` loads no locale, so without it every issue message is just
 * "Invalid input"; passing it on each parse keeps the messages classic zod gave. It is passed per
 * parse rather than set with `z.config()`, which would change the messages of the user's own zod.
 */
export const ENGLISH = en().localeError;
