import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../src/environment.js';
import { CliError, EXIT } from '../src/errors.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-env-'));
  dirs.push(dir);
  return dir;
}

// The spawned CLI cannot show these on Node 20/22: node itself checks an `--env-file` argument, even
// after the script path, and exits 9 before wg-sync runs. `main(argv)` from code gets here.
describe('loadEnvironment', () => {
  it('an --env-file that cannot be read is a usage error naming it', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'a-directory'));
    for (const envFile of ['missing.env', 'a-directory']) {
      const error = await loadEnvironment(join(cwd, 'config'), { envFile, cwd, processEnv: {} }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({ exitCode: EXIT.USAGE, message: expect.stringContaining(envFile) });
    }
  });

  it('precedence: process environment, then --env-file, then config.env; ./.env only when named', async () => {
    const cwd = await tempDir();
    const dir = join(cwd, 'config');
    await mkdir(dir);
    await writeFile(join(dir, 'config.env'), 'A=config\nB=config\nC=config\n');
    await writeFile(join(cwd, '.env'), 'A=dotenv\nB=dotenv\nC=dotenv\n');
    const notices: string[] = [];
    const implicit = await loadEnvironment(dir, {
      cwd,
      processEnv: { A: 'process' },
      notice: (l) => notices.push(l),
    });
    expect(implicit).toMatchObject({ A: 'process', B: 'config', C: 'config' });
    expect(notices).toEqual([expect.stringMatching(/\.\/\.env was ignored.*--env-file \.env/)]);
    expect(notices.join('')).not.toContain('dotenv');

    notices.length = 0;
    const named = await loadEnvironment(dir, {
      cwd,
      envFile: '.env',
      processEnv: { A: 'process' },
      notice: (l) => notices.push(l),
    });
    expect(named).toMatchObject({ A: 'process', B: 'dotenv', C: 'dotenv' });
    expect(notices).toEqual([]);
  });
});
