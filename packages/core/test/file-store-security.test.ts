import { chmod, chown, lstat, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, StoreInsecureError } from '../src/index.js';
import { assertPrivate, openFileStore } from '../src/store/file-store.js';
import { tempDirEachTest } from './temp-dir.js';

// The owner checks need a file or directory owned by someone else. Only root can make one (CI runs the
// tests as root); elsewhere those end-to-end assertions are replaced by the `uid` seam, which makes the
// store pretend to be another user, and by checking `assertPrivate` on the stats it is given.
const ROOT = process.getuid?.() === 0;
const OTHER_UID = 12345;

let dir: string;
tempDirEachTest('wg-sync-file-store-security-', (root) => {
  dir = join(root, 'state');
});

const SECRET = 'refresh-token-SECRET-0123456789';

/** An entry as fileStore writes it, then given `mode`: the planted or copied file of the issue. */
async function entry(file: string, mode: number): Promise<string> {
  await fileStore(dir).put('account/1', { refreshToken: SECRET });
  const path = join(dir, file);
  await chmod(path, mode);
  return path;
}

async function refused(promise: Promise<unknown>): Promise<StoreInsecureError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreInsecureError);
  return error as StoreInsecureError;
}

describe('fileStore refuses entries others could read or plant', () => {
  it('a 0644 entry: StoreInsecureError on get, list, put and a checked delete; the file is untouched', async () => {
    const path = await entry('account+1.json', 0o644);
    const before = await readFile(path, 'utf8');
    const store = fileStore(dir);

    const error = await refused(store.get('account/1'));
    expect(error.code).toBe('STORE_INSECURE');
    expect(error.key).toBe('account/1');
    expect(error.location).toBe(path);
    expect(error.message).toBe(
      `state "account/1" at ${path} is readable by group or others (mode 0644); tokens live here: chmod 600 ${path} (nothing was read)`,
    );
    expect(error.message).not.toContain(SECRET);

    await refused(store.list('account/'));
    await refused(store.list(''));
    await refused(store.put('account/1', { refreshToken: 'replaced' }));
    await refused(store.delete('account/1', { ifVersion: 1 }));

    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await lstat(path)).mode & 0o777).toBe(0o644);
  });

  it('a 0640 entry (group-readable) and a 0620 one (group-writable) are refused too', async () => {
    const path = await entry('account+1.json', 0o640);
    expect((await refused(fileStore(dir).get('account/1'))).message).toContain(
      'is readable by group or others (mode 0640)',
    );
    await chmod(path, 0o620);
    expect((await refused(fileStore(dir).get('account/1'))).message).toContain(
      'is writable by group or others (mode 0620)',
    );
  });

  it('a 0600 entry reads fine, and after chmod 600 a refused one does too', async () => {
    const path = await entry('account+1.json', 0o600);
    expect((await fileStore(dir).get('account/1'))?.value).toEqual({ refreshToken: SECRET });
    await chmod(path, 0o644);
    await refused(fileStore(dir).get('account/1'));
    await chmod(path, 0o600); // the fix the message names
    expect((await fileStore(dir).list('account/')).map((e) => e.key)).toEqual(['account/1']);
  });

  it('an entry owned by another user is refused (as root: a real chown; everywhere: the check itself)', async () => {
    const path = join(dir, 'account+1.json');
    const check = () => assertPrivate({ uid: BigInt(OTHER_UID), mode: 0o100600n }, 'account/1', path, 1000);
    expect(check).toThrow(StoreInsecureError);
    expect(check).toThrow(
      `state "account/1" at ${path} is owned by uid ${OTHER_UID}, not by this process (uid 1000); tokens live here: if you put it there, chown 1000 ${path} && chmod 600 ${path}; otherwise remove it (nothing was read)`,
    );
    expect(() => assertPrivate({ uid: 1000n, mode: 0o100600n }, 'account/1', path, 1000)).not.toThrow();
    // Windows: no uids, nothing to compare.
    expect(() => assertPrivate({ uid: 0n, mode: 0o100666n }, 'account/1', path, undefined)).not.toThrow();

    await entry('account+1.json', 0o600);
    if (ROOT) {
      await chown(path, OTHER_UID, OTHER_UID);
      const error = await refused(fileStore(dir).get('account/1'));
      expect(error.message).toContain(`is owned by uid ${OTHER_UID}, not by this process (uid 0)`);
      await refused(fileStore(dir).list('account/'));
      expect((await lstat(path)).uid).toBe(OTHER_UID);
    }
    // Not root: a file owned by someone else cannot be made here, so only the check above covers it.
  });

  it('a state directory owned by another user is refused; one of ours that is too open is tightened', async () => {
    await fileStore(dir).put('k', 1);
    // Pretending to be another user makes the (real) owner of the directory someone else.
    const error = await refused(openFileStore(dir, { uid: OTHER_UID }).get('k'));
    expect(error.key).toBeUndefined();
    expect(error.location).toBe(dir);
    expect(error.message).toContain(`state directory ${dir} is owned by uid `);
    expect(error.message).toContain(`not by this process (uid ${OTHER_UID})`);
    if (ROOT) {
      await chmod(dir, 0o777);
      await chown(dir, OTHER_UID, OTHER_UID);
      await refused(fileStore(dir).get('k'));
      expect((await lstat(dir)).mode & 0o777).toBe(0o777); // not ours: refused, not "fixed"
      await chown(dir, 0, 0);
    }
    await chmod(dir, 0o777);
    expect((await fileStore(dir).get('k'))?.value).toBe(1);
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
  });
});

describe('a store written by the previous version', () => {
  it('reads and updates entries laid out by hand the way the old code wrote them', async () => {
    // The old layout: a 0700 directory of `{"version":N,"value":…}` files at 0600, `/` written as `+`,
    // and the pid-only lock a crashed old process left behind.
    await mkdir(dir, { mode: 0o700 });
    const old = (file: string, envelope: unknown) =>
      writeFile(join(dir, file), JSON.stringify(envelope), { mode: 0o600 });
    await old('withings+37012345+tokens.json', { version: 17, value: { refreshToken: 'old' } });
    await old('cursor+37012345.json', { version: 3, value: { lastUpdate: 1741600000 } });
    await old('lease+37012345.json', { version: 5, expiresAt: Date.now() + 60_000, value: { owner: 'x' } });
    await writeFile(join(dir, 'cursor+37012345.json.lock'), '4242', { mode: 0o600 });
    const long = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'cursor+37012345.json.lock'), long, long);

    const store = fileStore(dir);
    expect(await store.get('withings/37012345/tokens')).toEqual({
      value: { refreshToken: 'old' },
      version: 17,
    });
    expect((await store.list('')).map((e) => [e.key, e.version])).toEqual([
      ['cursor/37012345', 3],
      ['lease/37012345', 5],
      ['withings/37012345/tokens', 17],
    ]);
    expect(await store.put('cursor/37012345', { lastUpdate: 1741700000 }, { ifVersion: 3 })).toBe(4);
    expect(await readFile(join(dir, 'cursor+37012345.json.lock'), 'utf8').catch(() => 'gone')).toBe('gone');
  });
});
