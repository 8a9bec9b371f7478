import { createClock } from '../shared/clock.js';
import { startHttpServer } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';
import { addBloodPressure, bloodPressureRange, deleteBloodPressure } from './blood-pressure.js';
import { diToken } from './diauth.js';
import {
  createGarminFaults,
  expiredToken,
  genericFaultResponse,
  notFound,
  type QueuedFault,
  rewriteJson,
} from './faults.js';
import { type SignInStep, signInPage } from './sign-in-page.js';
import { socialProfile } from './social-profile.js';
import { mobileLogin, mobileVerify } from './sso.js';
import { GarminSimState } from './state.js';
import type { GarminSim, GarminSimFaultKind, GarminSimOptions } from './types.js';
import { upload } from './upload.js';
import { deleteWeighIn, weightDayview, weightRange } from './weight.js';

/**
 * Starts a simulated Garmin Connect on 127.0.0.1: SSO (mobile JSON login, MFA by e-mail code, the
 * browser sign-in page), the DI OAuth2 token endpoint and the connectapi endpoints a weight sync
 * uses, speaking the recorded payload shapes (protocol §1–§2). One server plays every host: pass
 * `sim.urls` as a client's `urls`.
 *
 * @example
 * ```ts
 * import { startGarminSim } from '@wg-sync/testkit';
 * import { garminLogin, GarminClient } from '@wg-sync/garmin';
 *
 * const sim = await startGarminSim({ accounts: [{ email: 'a@example.com', password: 'pw', mfa: true }] });
 * const tokens = await garminLogin({
 *   email: 'a@example.com', password: 'pw', urls: sim.urls,
 *   mfa: async () => sim.lastMfaCode('a@example.com') ?? '',
 * });
 * sim.faults.add('phantom-upload'); // the next upload answers 202 but stores nothing
 * await sim.close();
 * ```
 */
export async function startGarminSim(options: GarminSimOptions = {}): Promise<GarminSim> {
  const clock = options.clock ?? createClock();
  const state = new GarminSimState(options, clock);
  const faults = createGarminFaults();
  let baseUrl = '';
  let uploadLimits = options.uploadLimits;

  type ApiHandler = (
    account: AccountState,
    request: Request,
    params: string[],
    kind: GarminSimFaultKind | undefined,
  ) => Response | Promise<Response>;
  const apiRoutes: Array<[string, RegExp, ApiHandler]> = [
    ['GET', /^\/userprofile-service\/socialProfile$/, (account) => socialProfile(account)],
    [
      'POST',
      /^\/upload-service\/upload(?:\/\.?fit)?$/,
      (account, request, _, kind) =>
        upload(state, account, request, { fault: kind, baseUrl, limits: uploadLimits }),
    ],
    [
      'GET',
      /^\/weight-service\/weight\/range\/([^/]+)\/([^/]+)$/,
      (account, request, [start = '', end = '']) =>
        weightRange(account, start, end, new URL(request.url).searchParams.get('includeAll') === 'true'),
    ],
    [
      'GET',
      /^\/weight-service\/weight\/dayview\/([^/]+)$/,
      (account, _, [date = '']) => weightDayview(account, date),
    ],
    [
      'DELETE',
      /^\/weight-service\/weight\/([^/]+)\/byversion\/([^/]+)$/,
      (account, _, [date = '', pk = '']) => deleteWeighIn(account, date, pk),
    ],
    [
      'POST',
      /^\/bloodpressure-service\/bloodpressure$/,
      (account, request) => addBloodPressure(state, account, request),
    ],
    [
      'GET',
      /^\/bloodpressure-service\/bloodpressure\/range\/([^/]+)\/([^/]+)$/,
      (account, _, [start = '', end = '']) => bloodPressureRange(account, start, end),
    ],
    [
      'DELETE',
      /^\/bloodpressure-service\/bloodpressure\/([^/]+)\/([^/]+)$/,
      (account, _, [date = '', version = '']) => deleteBloodPressure(account, date, version),
    ],
  ];

  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const fault = faults.take(path);
    const generic = fault && genericFaultResponse(fault);
    if (generic) return generic;
    const response = await route(request, path, fault);
    return fault?.kind === 'rewrite-json' ? rewriteJson(response, fault) : response;
  };

  async function route(request: Request, path: string, fault: QueuedFault | undefined): Promise<Response> {
    const method = request.method;
    const kind = fault?.kind;
    if (method === 'POST' && path === '/mobile/api/login') {
      return mobileLogin(state, request, kind === 'captcha-required');
    }
    if (method === 'POST' && path === '/mobile/api/mfa/verifyCode') return mobileVerify(state, request);
    const page = /^\/mobile\/sso\/([A-Za-z_]{2,5})\/(sign-in|verifyMFA)$/.exec(path);
    if (page) {
      const signInPath = { locale: page[1] ?? 'en_US', step: page[2] as SignInStep };
      return signInPage(state, request, signInPath, kind === 'captcha-required');
    }
    if (method === 'POST' && path === '/di-oauth2-service/oauth/token') return diToken(state, request, kind);

    // Everything below is connectapi: Bearer DI access token required.
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const account = bearer ? state.authorize(bearer) : undefined;
    if (!/^\/[a-z]+-service\//.test(path)) return notFound();
    if (!account) return expiredToken();

    for (const [verb, pattern, handler] of apiRoutes) {
      const match = verb === method ? pattern.exec(path) : null;
      if (match) return handler(account, request, match.slice(1), kind);
    }
    return notFound();
  }

  const server = await startHttpServer(handle, { latencyMs: options.latencyMs ?? 0 });
  baseUrl = server.url;
  let closing: Promise<void> | undefined;

  return {
    url: server.url,
    urls: { sso: server.url, diauth: server.url, connectapi: server.url },
    requests: server.requests,
    get latencyMs() {
      return server.latencyMs;
    },
    set latencyMs(ms: number) {
      server.latencyMs = ms;
    },
    get uploadLimits() {
      return uploadLimits;
    },
    set uploadLimits(limits) {
      uploadLimits = limits;
    },
    clock,
    faults: {
      add: faults.add,
      clear: faults.clear,
      get size() {
        return faults.size;
      },
    },
    mfaCodes: (email) => [...state.account(email).mfaCodes],
    lastMfaCode: (email) => state.account(email).mfaCodes.at(-1),
    weighIns: (email) => state.account(email).weighIns.map((w) => ({ ...w })),
    addWeighIn: (email, weighIn) => ({ ...state.storeWeighIn(state.account(email), weighIn) }),
    bloodPressures: (email) => state.account(email).bloodPressures.map((r) => ({ ...r })),
    uploads: () => [...state.uploads],
    addAccount: (account) => state.addAccount(account),
    issueTokens(email, { clientId = state.clientIds[0] ?? state.jwtClientId ?? 'sim-client' } = {}) {
      const answer = state.issueTokens(email, clientId);
      const accessToken = String(answer.access_token);
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
      return {
        accessToken,
        refreshToken: String(answer.refresh_token),
        clientId: String(claims.client_id),
        expiresAt: new Date(Number(claims.exp) * 1000),
        domain: 'garmin.com',
      };
    },
    revokeAccessTokens(email) {
      for (const record of state.accessTokens.values()) {
        if (email === undefined || record.email === email.trim().toLowerCase()) record.revoked = true;
      }
    },
    secrets: () => state.secrets(),
    close: () => (closing ??= server.close()),
  };
}
