import { startRawServer } from '@wg-sync/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GarminImpitError, impitFetch } from '../src/impit.js';
import { GarminClient, garminLogin } from '../src/index.js';
import { EMAIL, failure, PASSWORD, requestsTo, thrown, useSim } from './helpers.js';

describe('impitFetch: the TLS-impersonating transport (the real impit, over loopback HTTP)', () => {
  it('garminLogin runs over it against the simulator: page GET, cookies, login, exchange, check', async () => {
    const sim = await useSim({ accounts: [{ email: EMAIL, password: PASSWORD, mfa: true }] });
    const tokens = await garminLogin({
      email: EMAIL,
      password: PASSWORD,
      urls: sim.urls,
      fetch: impitFetch(),
      mfa: async () => sim.lastMfaCode(EMAIL) ?? '',
    });
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /mobile/sso/en/sign-in 200',
      'POST /mobile/api/login 200',
      'POST /mobile/api/mfa/verifyCode 200',
      'POST /di-oauth2-service/oauth/token 200',
      'GET /userprofile-service/socialProfile 200',
    ]);
    const [, login, verify] = sim.requests;
    // Our headers win over impit's browser headers; the cookie jar is ours (impit keeps none).
    expect(login?.headers['user-agent']).toBe('GCM-iOS-5.22.1.4');
    expect(login?.headers['content-type']).toBe('application/json');
    expect(verify?.headers.cookie).toMatch(/(^|; )SESSION=/);
    // The tokens work with the default fetch afterwards (impit is for the sign-in only).
    await expect(new GarminClient({ tokens, urls: sim.urls }).verifySession()).resolves.toEqual({
      displayName: 'user.garmin',
    });
    expect(requestsTo(sim, /oauth\/token/)).toHaveLength(1);
  });

  it('never follows a redirect: the sign-in page answering 302 is UPSTREAM, the target is never asked', async () => {
    const target = await startRawServer((_req, res) => void res.end('{}'), { cleanup: onTestFinished });
    const sso = await startRawServer(
      (_req, res) => {
        res.writeHead(302, { location: `${target.url}/steal` });
        res.end();
      },
      { cleanup: onTestFinished },
    );
    const error = await failure(
      garminLogin({ email: EMAIL, password: PASSWORD, urls: { sso: sso.url }, fetch: impitFetch() }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/unexpected redirect \(HTTP 302\)/);
    expect(target.requests).toHaveLength(0);
  });

  it('a refused connection is a one-line UPSTREAM error (not impit’s multi-line dump)', async () => {
    const error = await failure(
      garminLogin({
        email: EMAIL,
        password: PASSWORD,
        urls: { sso: 'http://127.0.0.1:9' },
        fetch: impitFetch({ browser: 'chrome' }),
      }),
    );
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/^GET \/mobile\/sso\/en\/sign-in failed: ECONNREFUSED: ConnectError: /);
    expect(error.message).not.toContain('\n');
  });

  it('impit not installed → GarminImpitError IMPIT_MISSING saying `npm install impit`', () => {
    // What Node's require throws for a package that is not installed (a real resolution cannot be
    // used here: the test runner's NODE_PATH reaches the workspace's own copy of impit).
    const notInstalled = () => {
      throw Object.assign(new Error("Cannot find module 'impit'\nRequire stack:\n- /srv/app/index.js"), {
        code: 'MODULE_NOT_FOUND',
      });
    };
    const error = thrown(() => impitFetch({ load: notInstalled }));
    expect(error).toBeInstanceOf(GarminImpitError);
    expect((error as GarminImpitError).code).toBe('IMPIT_MISSING');
    expect((error as Error).message).toContain('npm install impit');
    expect((error as Error).name).toBe('GarminImpitError');
    // A missing native sub-package is not "impit is missing": it is installed but unusable here.
    const noSubPackage = () => {
      throw Object.assign(new Error("Cannot find module 'impit-linux-x64-gnu'"), {
        code: 'MODULE_NOT_FOUND',
      });
    };
    expect(() => impitFetch({ load: noSubPackage })).toThrow(
      expect.objectContaining({ code: 'IMPIT_UNAVAILABLE' }),
    );
  });

  it('impit installed without a binary for this platform, or given a bad option → IMPIT_UNAVAILABLE', () => {
    const noBinding = () => {
      throw new Error('Cannot find native binding. npm has a bug related to optional dependencies');
    };
    expect(() => impitFetch({ load: noBinding })).toThrow(
      expect.objectContaining({
        code: 'IMPIT_UNAVAILABLE',
        message: expect.stringMatching(/Cannot find native binding/),
      }),
    );
    expect(() => impitFetch({ load: () => ({}) })).toThrow(
      expect.objectContaining({ code: 'IMPIT_UNAVAILABLE' }),
    );
    expect(() => impitFetch({ browser: 'netscape4' })).toThrow(
      expect.objectContaining({
        code: 'IMPIT_UNAVAILABLE',
        message: expect.stringMatching(/refused the options/),
      }),
    );
  });
});
