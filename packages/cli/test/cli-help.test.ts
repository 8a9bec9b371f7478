import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_ENV_VARS } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import { BIN, cliWorld, run } from './cli.js';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);
const COMMANDS = [
  [],
  ['withings', 'auth'],
  ['garmin', 'login'],
  ['garmin', 'dedupe'],
  ['webhook', 'subscribe'],
  ['webhook', 'list'],
  ['webhook', 'revoke'],
  ['sync'],
  ['backfill'],
  ['doctor'],
  ['accounts', 'list'],
  ['accounts', 'unlink'],
  ['held', 'list'],
  ['held', 'assign'],
  ['held', 'dismiss'],
  ['serve'],
  ['demo'],
  ['help'],
];

/** Runs the CLI on a pseudo-terminal (util-linux `script`), where colour is allowed. */
function onTerminal(args: string[], env: Record<string, string>): string {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return spawnSync('script', ['-qec', command, '/dev/null'], { env, encoding: 'utf8' }).stdout;
}

describe('wg-sync help', () => {
  it('has no colour codes when stdout is not a terminal, on every command', async () => {
    const { env } = await cliWorld();
    for (const args of COMMANDS) {
      const help = await run([...args, '--help'], env);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).not.toMatch(ANSI);
    }
    // Errors are plain text too (citty colours the names in its own).
    expect((await run(['garmin', 'logn'], env)).stderr).not.toMatch(ANSI);
  });

  it('on a terminal: colour, unless NO_COLOR is set (to anything)', async () => {
    const { env } = await cliWorld();
    expect(onTerminal(['sync', '--help'], env)).toMatch(ANSI);
    expect(onTerminal(['sync', '--help'], { ...env, NO_COLOR: 'true' })).not.toMatch(ANSI);
  });

  it('says each default once (no "(default 7) (Default: 7)")', async () => {
    const { env } = await cliWorld();
    for (const args of COMMANDS) {
      const { stdout } = await run([...args, '--help'], env);
      for (const line of stdout.split('\n')) {
        expect((line.match(/\(default/gi) ?? []).length, `${args.join(' ')}: ${line}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('wg-sync help env lists every environment variable wg-sync reads, GARMIN_PASSWORD too', async () => {
    const { env } = await cliWorld();
    const root = await run(['--help'], env);
    expect(root.stdout).toContain('wg-sync help env');
    const help = await run(['help', 'env'], env);
    expect(help.code).toBe(0);
    // Core's variables, and every one the CLI's own source reads.
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const read = new Set<string>();
    for (const file of files) {
      for (const [, name] of readFileSync(join(src, file), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) {
        read.add(name as string);
      }
    }
    expect(read).toContain('GARMIN_PASSWORD');
    for (const name of [...CONFIG_ENV_VARS, ...read]) {
      expect(help.stdout, name).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    }
  });

  it('wg-sync help <command> shows that command; an unknown topic gets a suggestion (exit 2)', async () => {
    const { env } = await cliWorld();
    const login = await run(['help', 'garmin', 'login'], env);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/--executable-path/);
    const typo = await run(['help', 'snyc'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no help on snyc (did you mean sync?)');
  });
});
