import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { testChromium } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { harness, minutesAgo, serveHandler } from './harness.js';

const API_TOKEN = 'api-token-browser-0123456789abcdef';
const BROWSER_TIMEOUT = 120_000;
/** Screenshots and such of the last run (gitignored). */
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('the status page in headless Chromium', () => {
  it(
    'signs in, draws the trend with one point per weigh-in, assigns a held weigh-in with a click, runs "sync now", passes axe, makes no outside request',
    async () => {
      const { executablePath, args } = await testChromium(); // first: unpacking may take seconds
      const h = await harness({ config: { apiToken: API_TOKEN } });
      // Six weeks of weigh-ins, one every other day, with body fat.
      const days = Array.from({ length: 21 }, (_, i) => 42 - i * 2);
      for (const [i, day] of days.entries()) {
        h.withings.addWeighIn(h.userId, {
          takenAt: minutesAgo(day * 1440 + 420),
          weightKg: 82.4 - i * 0.12 + (i % 3) * 0.1,
          fatPercent: 23.1 - i * 0.05,
        });
      }
      // A guest on the shared scale (attrib 1: Withings could not tell whose): held, not synced.
      const guestAt = new Date(Math.floor(minutesAgo(3 * 1440 + 75).getTime() / 1000) * 1000);
      h.withings.addWeighIn(h.userId, {
        takenAt: guestAt,
        weightKg: 64.5,
        fatPercent: 24.2,
        muscleMassKg: 46.1,
        layout: 'body-cardio',
        attrib: 1,
        notify: false,
      });
      await h.sync.backfill({ from: minutesAgo(60 * 1440) });
      expect(h.garmin.weighIns(h.email)).toHaveLength(days.length);
      expect(await h.sync.held.list()).toHaveLength(1);
      const server = await serveHandler(h.sync);
      const origin = new URL(server.url).origin;

      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath, args, headless: true });
      try {
        // A named locale: under LANG=C Chromium reports `en-US@posix`, which Intl (and so uPlot) refuses.
        const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'en-GB' });
        const outside: string[] = [];
        const problems: string[] = [];
        let transferred = 0;
        page.on('request', (r) => {
          if (!r.url().startsWith(origin)) outside.push(r.url());
        });
        page.on('response', async (r) => {
          transferred += (await r.body().catch(() => Buffer.alloc(0))).byteLength;
        });
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));

        await page.goto(`${origin}/`);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('wg-sync status');
        expect(await page.textContent('body')).not.toContain(h.userId);
        await page.getByLabel('API token').fill(API_TOKEN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForSelector(`h2:has-text("Withings user ${h.userId}")`);
        const cookies = await page.context().cookies();
        expect(cookies).toEqual([
          expect.objectContaining({
            name: 'wg_sync_session',
            httpOnly: true,
            secure: true,
            sameSite: 'Strict',
          }),
        ]);
        expect(JSON.stringify(cookies)).not.toContain(API_TOKEN);

        // The chart: uPlot drew one point per weigh-in, weight and body fat.
        const chart = page.locator('.chart[data-points]');
        await chart.waitFor();
        expect(await chart.getAttribute('data-points')).toBe(String(days.length));
        expect(await chart.getAttribute('data-weight-points')).toBe(String(days.length));
        expect(await chart.getAttribute('data-written-points')).toBe(String(days.length));
        expect(await page.locator('.chart canvas').count()).toBe(1);
        const fat = Number(await chart.getAttribute('data-fat-points'));
        // Body fat comes from ledger entries that record it (stores of earlier versions do not).
        expect([0, days.length]).toContain(fat);
        await page.screenshot({ path: `${mkdir(ARTIFACTS)}status-page.png`, fullPage: true });
        expect(transferred).toBeLessThanOrEqual(100 * 1024);

        // The held weigh-in is listed, its buttons named with its date and weight.
        await page.getByRole('heading', { name: 'Held weigh-ins' }).waitFor();
        const assign = page.getByRole('button', { name: /^This was me: the weigh-in of .*, 64\.5 kg$/ });
        const dismiss = page.getByRole('button', { name: /^Not me: the weigh-in of .*, 64\.5 kg$/ });
        expect(await assign.count()).toBe(1);
        expect(await dismiss.count()).toBe(1);
        expect(await page.textContent('section[aria-labelledby="held-h-1"]')).toContain(
          guestAt.toISOString(),
        );

        // Accessibility (the held list shown): axe-core in the page, no serious or critical violation.
        await page.evaluate(axeSource);
        const axe = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
          violations: Array<{ id: string; impact: string; help: string; nodes: unknown[] }>;
        };
        const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

        // "This was me" is reachable from the keyboard; a click assigns it, and the simulated Garmin
        // then holds it with the original instant.
        let reached = false;
        for (let i = 0; i < 20 && !reached; i += 1) {
          await page.keyboard.press('Tab');
          reached = await assign.evaluate((el) => el === document.activeElement);
        }
        expect(reached).toBe(true);
        await assign.click();
        await page.waitForSelector('[role="status"]:has-text("Assigned")');
        const guest = h.garmin.weighIns(h.email).find((w) => w.weight === 64500);
        expect(guest).toMatchObject({ timestampGMT: guestAt.getTime(), bodyFat: 24.2, muscleMass: 46100 });
        expect(await h.sync.held.list()).toEqual([]);
        expect(await page.getByRole('heading', { name: 'Held weigh-ins' }).count()).toBe(0);
        const lastSync = page.locator('section[aria-labelledby="syncs-h-1"] tbody tr').first();
        expect(await lastSync.textContent()).toMatch(/held weigh-in assigned.*Synced/);
        await page.screenshot({ path: `${mkdir(ARTIFACTS)}status-page-assigned.png`, fullPage: true });

        // "Sync now": a new weigh-in reaches the simulated Garmin with its instant.
        const takenAt = minutesAgo(25);
        takenAt.setMilliseconds(0);
        h.withings.addWeighIn(h.userId, { takenAt, weightKg: 79.6, fatPercent: 21.9 });
        await page.getByRole('button', { name: 'Sync now' }).click();
        await page.waitForSelector('[role="status"]:has-text("Sync finished")');
        const stored = h.garmin.weighIns(h.email);
        expect(stored).toHaveLength(days.length + 2);
        const added = stored.find((w) => Math.abs(w.weight / 1000 - 79.6) < 0.01);
        expect(added?.timestampGMT).toBe(takenAt.getTime());
        await page.locator('.chart[data-points]').waitFor();
        expect(await page.locator('.chart').getAttribute('data-points')).toBe(String(days.length + 2));
        expect(await page.locator('tbody tr').first().textContent()).toBeTruthy();

        // The year view is a link, no script needed.
        await page.getByRole('link', { name: '1 year' }).click();
        await page.waitForURL(/days=365/);
        expect(await page.locator('.chart').getAttribute('data-count')).toBe(String(days.length + 2));

        expect(outside).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TIMEOUT,
  );
});

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
