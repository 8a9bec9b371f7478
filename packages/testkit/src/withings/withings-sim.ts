import { createHash } from 'node:crypto';
import { createClock } from '../shared/clock.js';
import { FaultQueue } from '../shared/faults.js';
import { startHttpServer } from '../shared/http-server.js';
import { Deliverer } from './delivery.js';
import { groupsForWeighIn } from './layouts.js';
import { AppRateLimiter } from './rate-limit.js';
import { getmeas } from './routes-measure.js';
import { notify } from './routes-notify.js';
import { authorizeDecision, authorizePage, requestToken } from './routes-oauth.js';
import { envelope, INVALID_TOKEN, type SimState, type SimUser } from './state.js';
import { randomToken, TokenBook } from './tokens.js';
import type { SimMeasureGroup, WithingsFault, WithingsSim, WithingsSimOptions } from './types.js';

const HANG_MS = 60_000;

/**
 * Starts a simulated Withings (API + consent page) on 127.0.0.1. It follows the documented protocol:
 * 30-second single-use codes, 3-hour access tokens, refresh tokens that rotate with the 8-hour grace
 * rule (the old one dies once the new access token is used), getmeas paging, notify with the HEAD check,
 * and webhook deliveries with retries that drop a subscription after repeated failures.
 *
 * @example
 * ```ts
 * import { startWithingsSim } from '@wg-sync/testkit';
 *
 * const sim = await startWithingsSim();
 * const userId = sim.addUser({ timeZone: 'Europe/Berlin' });
 * const tokens = sim.issueTokens(userId);
 * sim.addWeighIn(userId, { takenAt: new Date(), weightKg: 81.4, fatPercent: 21.2, layout: 'body-cardio', heartRate: 62 });
 * // point your client at it: new WithingsClient({ baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tokens })
 * await sim.close();
 * ```
 */
export async function startWithingsSim(options: WithingsSimOptions = {}): Promise<WithingsSim> {
  const clock = options.clock ?? createClock();
  const faults = new FaultQueue<WithingsFault>();
  const state: SimState = {
    options,
    clientId: options.clientId ?? 'sim-client-id',
    clientSecret: options.clientSecret ?? randomToken(),
    clock,
    tokens: new TokenBook(clock, {
      codeSec: options.codeTtlSec ?? 30,
      accessSec: options.accessTokenTtlSec ?? 10_800,
      graceSec: options.refreshGraceSec ?? 8 * 3600,
    }),
    users: new Map(),
    subscriptions: [],
    deliverer: undefined as unknown as Deliverer,
    recentRequests: new Map(),
  };
  state.deliverer = new Deliverer(clock, options.delivery, (dropped) => {
    state.subscriptions = state.subscriptions.filter((s) => s !== dropped);
  });
  const limiter = new AppRateLimiter(clock, options.appRateLimit);
  let nextGroupId = 6_120_500_000;
  let nextUserId = 37_012_345;

  const server = await startHttpServer(
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/oauth2_user/authorize2') {
        return request.method === 'POST' ? authorizeDecision(state, request) : authorizePage(state, url);
      }
      const endpoint = url.pathname;
      if (!['/v2/oauth2', '/measure', '/notify'].includes(endpoint))
        return new Response('Not Found', { status: 404 });
      if (request.method !== 'POST') return envelope(2554, {}, 'Not implemented');
      const waitSeconds = limiter.admit();
      if (waitSeconds !== undefined) return envelope(601, { wait_seconds: waitSeconds }, 'Too Many Requests');
      const fault = faults.take(endpoint);
      if (fault !== undefined && fault !== 'non-advancing-page') return faultResponse(fault);
      const text = await request.text();
      const form = new URLSearchParams(text);

      if (options.sameArgumentsWindowSec) {
        const key = `${endpoint}?${[...form.entries()].sort().join('&')}|${request.headers.get('authorization') ?? ''}`;
        const last = state.recentRequests.get(key);
        const now = clock.now().getTime();
        state.recentRequests.set(key, now);
        if (last !== undefined && now - last < options.sameArgumentsWindowSec * 1000) {
          return envelope(
            601,
            { wait_seconds: options.sameArgumentsWindowSec },
            'Same arguments in less than 10 seconds',
          );
        }
      }

      if (endpoint === '/v2/oauth2') return requestToken(state, form);
      const bearer =
        /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ??
        form.get('access_token') ??
        '';
      const session = state.tokens.useAccessToken(bearer);
      const user = session ? state.users.get(session.userId) : undefined;
      if (!session || !user) return envelope(401, {}, INVALID_TOKEN);
      if (!session.scope.includes('user.metrics')) return envelope(277, {}, 'Unauthorized: scope');
      return endpoint === '/measure'
        ? getmeas(state, user, form, fault === 'non-advancing-page')
        : notify(state, user, form);
    },
    { latencyMs: options.latencyMs ?? 0 },
  );

  const userOf = (userId: string): SimUser => {
    const user = state.users.get(userId);
    if (!user) throw new Error(`Withings sim: no user ${userId}`);
    return user;
  };
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  const store = (user: SimUser, group: Omit<SimMeasureGroup, 'grpid'> & { grpid?: number }): string => {
    const grpid = group.grpid ?? nextGroupId++;
    user.groups.push({ ...group, grpid });
    return String(grpid);
  };
  const notifyUser = (userId: string, appli: number, start: number, end: number) =>
    state.deliverer.notify(
      state.subscriptions.filter((s) => s.userId === userId && s.appli === appli),
      { startdate: String(start), enddate: String(end) },
    );

  const sim: WithingsSim = {
    url: server.url,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    clock,
    requests: server.requests,
    faults,
    deliveries: state.deliverer.deliveries,
    rateStats: limiter.stats,
    get latencyMs() {
      return server.latencyMs;
    },
    set latencyMs(ms: number) {
      server.latencyMs = ms;
    },

    addUser({ userId, timeZone = 'Europe/Berlin' } = {}) {
      const id = userId ?? String(nextUserId++);
      if (!/^\d+$/.test(id)) throw new Error('Withings sim: user ids are decimal numbers');
      const deviceId = createHash('sha1').update(`scale-${id}`).digest('hex');
      state.users.set(id, { userId: id, timeZone, deviceId, groups: [] });
      return id;
    },
    issueTokens(userId, { scope = ['user.info', 'user.metrics'] } = {}) {
      userOf(userId);
      return state.tokens.issue(userId, scope);
    },
    issueCode(userId, { redirectUri, scope = ['user.metrics'] }) {
      userOf(userId);
      return state.tokens.issueCode(userId, redirectUri, scope);
    },
    addWeighIn(userId, weighIn) {
      const user = userOf(userId);
      const arrived = seconds(weighIn.arrivedAt ?? clock.now());
      const deviceId = weighIn.deviceId === undefined ? user.deviceId : weighIn.deviceId;
      const base = {
        date: seconds(weighIn.takenAt),
        created: arrived,
        modified: arrived,
        category: weighIn.category ?? 1,
        deviceid: deviceId,
        hash_deviceid: deviceId,
        comment: null,
      };
      const groupIds = groupsForWeighIn(weighIn, base).map((group) => store(user, group));
      if (weighIn.notify ?? true) notifyUser(userId, 1, base.date, base.date + 1);
      return { groupIds };
    },
    addBloodPressure(userId, { takenAt, systolic, diastolic, heartRate, notify: send = true }) {
      const user = userOf(userId);
      const now = seconds(clock.now());
      const bpm = createHash('sha1').update(`bpm-${userId}`).digest('hex');
      const measures = [
        { value: Math.round(diastolic * 100), type: 9, unit: -2, algo: 0, fm: 3 },
        { value: Math.round(systolic * 100), type: 10, unit: -2, algo: 0, fm: 3 },
        ...(heartRate === undefined
          ? []
          : [{ value: Math.round(heartRate * 100), type: 11, unit: -2, algo: 0, fm: 3 }]),
      ];
      const groupId = store(user, {
        attrib: 0,
        date: seconds(takenAt),
        created: now,
        modified: now,
        category: 1,
        deviceid: bpm,
        hash_deviceid: bpm,
        measures,
        modelid: 45,
        model: 'BPM Connect',
        comment: null,
      });
      if (send) notifyUser(userId, 4, seconds(takenAt), seconds(takenAt) + 1);
      return { groupIds: [groupId] };
    },
    addGroup(userId, group, send = false) {
      const user = userOf(userId);
      const now = seconds(clock.now());
      const groupId = store(user, {
        attrib: 0,
        created: now,
        modified: now,
        category: 1,
        deviceid: user.deviceId,
        hash_deviceid: user.deviceId,
        modelid: 18,
        model: 'Body Comp',
        comment: null,
        ...group,
      });
      if (send) notifyUser(userId, 1, group.date, group.date + 1);
      return groupId;
    },
    updateGroup(groupId, change, send = true) {
      for (const user of state.users.values()) {
        for (const group of user.groups) {
          if (String(group.grpid) !== groupId) continue;
          if (change.attrib !== undefined) group.attrib = change.attrib;
          if (change.measures) group.measures = structuredClone(change.measures);
          for (const [type, value] of [
            [1, change.weightKg],
            [6, change.fatPercent],
          ] as const) {
            if (value === undefined) continue;
            const measure = group.measures.find((m) => m.type === type);
            if (!measure) throw new Error(`Withings sim: group ${groupId} has no type-${type} measure`);
            measure.value = Math.round(value / 10 ** measure.unit);
          }
          group.modified = seconds(clock.now());
          if (send) notifyUser(user.userId, 1, group.date, group.date + 1);
          return;
        }
      }
      throw new Error(`Withings sim: no group ${groupId}`);
    },
    deleteGroup(groupId, send = true) {
      let found = false;
      // Every copy: a test world may have copied a group under its id (to another user, or twice).
      for (const user of state.users.values()) {
        const group = user.groups.find((g) => String(g.grpid) === groupId);
        if (!group) continue;
        found = true;
        user.groups = user.groups.filter((g) => String(g.grpid) !== groupId);
        if (send) notifyUser(user.userId, 1, group.date, group.date + 1);
      }
      if (!found) throw new Error(`Withings sim: no group ${groupId}`);
    },
    groups: (userId) => userOf(userId).groups.map((g) => structuredClone(g)),
    subscriptions: (userId) => state.subscriptions.filter((s) => s.userId === userId).map((s) => ({ ...s })),
    isAccessTokenValid: (token) => state.tokens.isAccessTokenValid(token),
    isRefreshTokenValid: (token) => state.tokens.isRefreshTokenValid(token),
    revokeTokens(userId) {
      state.tokens.revokeUser(userId);
    },
    unlink(userId) {
      state.tokens.revokeUser(userId);
      const forUser = state.subscriptions.filter((s) => s.userId === userId);
      state.subscriptions = state.subscriptions.filter((s) => s.userId !== userId);
      const today = clock.now().toISOString().slice(0, 10);
      // Documented without startdate/enddate (withings §5, §12): clients must not require them.
      state.deliverer.notify(
        forUser.filter((s) => s.appli === 46),
        { action: 'unlink', date: today },
      );
    },
    secrets: () => [state.clientSecret, ...state.tokens.issued()],
    settled: () => state.deliverer.settled(),
    async close() {
      await state.deliverer.settled();
      await server.close();
    },
  };
  return sim;
}

async function faultResponse(fault: Exclude<WithingsFault, 'non-advancing-page'>): Promise<Response> {
  if (fault === 'malformed-json') {
    return new Response('{"status":0,"body":{"updatetime":', {
      headers: { 'content-type': 'application/json' },
    });
  }
  if (fault === 'empty-body') return new Response('', { headers: { 'content-type': 'application/json' } });
  if (fault === 'hang') {
    await new Promise((resolve) => setTimeout(resolve, HANG_MS).unref());
    return envelope(522, {}, 'Timeout');
  }
  if ('http' in fault) {
    return new Response(fault.body ?? '<html><body>Internal Server Error</body></html>', {
      status: fault.http,
      headers: { 'content-type': 'text/html' },
    });
  }
  const body = fault.status === 601 ? { wait_seconds: fault.waitSeconds ?? 68 } : {};
  const defaults: Record<number, string> = {
    401: INVALID_TOKEN,
    503: 'Invalid Params: invalid refresh_token',
    522: 'Timeout',
    601: 'Too Many Requests',
  };
  return envelope(fault.status, body, fault.error ?? defaults[fault.status] ?? 'An error occurred');
}
