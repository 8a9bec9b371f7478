import { createHash } from 'node:crypto';
import uplotJs from 'uplot/dist/uPlot.iife.min.js?raw';
import uplotCss from 'uplot/dist/uPlot.min.css?raw';
import css from './page.css?raw';
import script from './page-script.js?raw';
import type { PageAssetUrls } from './render.js';

// The page's files, inlined into core's build (tsup.config.ts) so that every deployment, the Lambda
// bundle included, serves them itself: the page makes no request outside it. This module is
// imported only when the page is asked for, so the webhook path never parses these 60 KB.

/** One file the handler serves under `/page/`. */
export interface PageAsset {
  body: string;
  type: string;
}

const UPLOT_LICENSE =
  '/*! uPlot 1.6.32 (c) Leon Sorokin, MIT License: https://github.com/leeoniya/uPlot */\n';

const files: Array<[name: string, ext: 'js' | 'css', body: string]> = [
  ['page', 'css', css],
  ['uplot', 'css', uplotCss],
  ['uplot', 'js', `${UPLOT_LICENSE}${uplotJs}`],
  ['page', 'js', script],
];

const TYPES = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** Served paths (content-hashed, so they can be cached for good) → files. */
export const PAGE_ASSETS = new Map<string, PageAsset>();
const urls: Record<string, string> = {};
for (const [name, ext, body] of files) {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const path = `/page/${name}.${hash}.${ext}`;
  PAGE_ASSETS.set(path, { body, type: TYPES[ext] });
  urls[`${name}.${ext}`] = path;
}

/** The files' URLs relative to a page served at `pagePath` (`/` or `/status`), for any mount point. */
export function assetUrls(): PageAssetUrls {
  const at = (key: string) => `.${urls[key] as string}`;
  return { css: at('page.css'), uplotCss: at('uplot.css'), uplotJs: at('uplot.js'), script: at('page.js') };
}
