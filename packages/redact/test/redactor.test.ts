import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type RedactLogFields, Redactor, redactError, redactValue, safeCause } from '../src/index.js';

describe('Redactor', () => {
  it('pins secrets for good and forgets the oldest rotating values past maxSecrets', () => {
    const redactor = new Redactor({ maxSecrets: 3 });
    redactor.pin('client-secret-0f3a9c');
    redactor.add('token-0001', 'token-0002', 'token-0003', 'token-0004');
    expect(redactor.text('client-secret-0f3a9c token-0001 token-0002 token-0004')).toBe(
      '[redacted] token-0001 [redacted] [redacted]',
    );
    // Pinning a rotating value moves it out of the rotation, so it is never forgotten.
    redactor.pin('token-0002');
    redactor.add('token-0005', 'token-0006', 'token-0007');
    expect(redactor.text('token-0002 token-0004 token-0007')).toBe('[redacted] token-0004 [redacted]');
  });

  it('removes overlapping and prefix secrets whole, whatever order they were added in', () => {
    const redactor = new Redactor();
    redactor.add('abcd');
    redactor.pin('abcdefgh-secret');
    redactor.add('secret-tail-zz');
    expect(redactor.text('v=abcdefgh-secret-tail-zz')).toBe('v=[redacted]');
    expect(redactor.text('v=abcdefgh-secret w=secret-tail-zz u=abcd')).toBe(
      'v=[redacted] w=[redacted] u=[redacted]',
    );
  });

  it('removes URL-encoded and JSON-escaped forms of a registered value', () => {
    const redactor = new Redactor();
    redactor.pin('p@ss/w"rd');
    expect(redactor.text(`q=${encodeURIComponent('p@ss/w"rd')} b=${JSON.stringify('p@ss/w"rd')}`)).toBe(
      'q=[redacted] b="[redacted]"',
    );
  });

  it('logger() redacts the event name and every field before the inner logger sees them', () => {
    const lines: Array<[string, string, RedactLogFields | undefined]> = [];
    const sink = (level: string) => (event: string, fields?: RedactLogFields) => {
      lines.push([level, event, fields]);
    };
    const redactor = new Redactor();
    redactor.add('tok-9f8e7d');
    const logger = redactor.logger({
      debug: sink('debug'),
      info: sink('info'),
      warn: sink('warn'),
      error: sink('error'),
    });
    logger.warn('refresh tok-9f8e7d', { note: 'got tok-9f8e7d', password: 'x', ok: true });
    logger.info('plain');
    expect(lines).toEqual([
      ['warn', 'refresh [redacted]', { note: 'got [redacted]', password: '[redacted]', ok: true }],
      ['info', 'plain', undefined],
    ]);
  });
});

describe('redactValue', () => {
  it('replaces the values of secret-named keys, keeps booleans, nulls and the error `code`', () => {
    expect(
      redactValue({
        refreshToken: 'x1y2z3',
        apiKey: 42,
        Authorization: 'Basic abc',
        cookie: 's=1',
        mfa: '123456',
        tokenSet: true,
        secret: null,
        code: 'REAUTH_REQUIRED',
        nested: [{ ticket: 'ST-1', note: 'see https://u:p4ss@h.example/' }],
      }),
    ).toEqual({
      refreshToken: '[redacted]',
      apiKey: '[redacted]',
      Authorization: '[redacted]',
      cookie: '[redacted]',
      mfa: '[redacted]',
      tokenSet: true,
      secret: null,
      code: 'REAUTH_REQUIRED',
      nested: [{ ticket: '[redacted]', note: 'see https://[redacted]@h.example/' }],
    });
    expect(redactValue({ code: 'abc123def' }, { keys: /code/ })).toEqual({ code: '[redacted]' });
  });

  it('cuts objects deeper than maxDepth (6 unless told), strings still redacted', () => {
    const deep = (levels: number): unknown =>
      levels === 0 ? { leaf: 'password=hunter22' } : { d: deep(levels - 1) };
    const at = (value: unknown, levels: number): unknown => {
      let node = value;
      for (let i = 0; i < levels; i += 1) node = (node as { d: unknown }).d;
      return node;
    };
    // The object at depth 6 is still shown; the one at depth 7 is not.
    expect(at(redactValue(deep(6)), 6)).toEqual({ leaf: 'password=[redacted]' });
    expect(at(redactValue(deep(7)), 7)).toBe('[…]');
    expect(at(redactValue(deep(8), { maxDepth: 8 }), 8)).toEqual({ leaf: 'password=[redacted]' });
    expect(at(redactValue(deep(9), { maxDepth: 8 }), 9)).toBe('[…]');
    expect(redactValue(['a'], {}, 7)).toBe('[…]');
  });

  it('never throws: cycles, throwing getters, revoked proxies, odd values', () => {
    const cycle: Record<string, unknown> = { name: 'a', password: 'hunter22' };
    cycle.self = cycle;
    cycle.list = [cycle, { up: cycle }];
    expect(redactValue(cycle)).toEqual({
      name: 'a',
      password: '[redacted]',
      self: '[circular]',
      list: ['[circular]', { up: '[circular]' }],
    });
    // The same object twice, side by side, is no cycle.
    const shared = { a: 1 };
    expect(redactValue({ x: shared, y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });

    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('password=hunter22');
      },
    });
    expect(redactValue({ getter })).toEqual({ getter: '[unreadable]' });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(redactValue({ proxy })).toEqual({ proxy: '[unreadable]' });

    const odd = {
      big: 10n,
      sym: Symbol('s'),
      fn: () => 1,
      when: new Date('2026-11-20T06:31:07Z'),
      bad: new Date(Number.NaN),
      bare: Object.create(null) as object,
      undef: undefined,
    };
    expect(redactValue(odd)).toEqual({
      ...odd,
      when: '2026-11-20T06:31:07.000Z',
      bad: 'Invalid Date',
      bare: {},
    });
  });

  it('reduces an error to name, redacted message and code', () => {
    const error = Object.assign(new TypeError('refresh_token=abc123 failed'), {
      code: 'password=x1',
      extra: 'y',
    });
    expect(redactValue({ error })).toEqual({
      error: { name: 'TypeError', message: 'refresh_token=[redacted] failed', code: 'password=[redacted]' },
    });
  });
});

describe('redactError', () => {
  it('never throws, whatever is thrown', () => {
    expect(redactError('Bearer abcdef')).toEqual({ name: 'Error', message: 'Bearer [redacted]' });
    expect(redactError(Object.create(null))).toEqual({ name: 'Error', message: 'non-Error thrown (object)' });
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(redactError(hostile).name).toBe('Error');
    expect(redactError(Object.assign(new Error('x'), { code: 7 }))).toEqual({
      name: 'Error',
      message: 'x',
      code: 7,
    });
  });
});

describe('safeCause', () => {
  it('copies name, redacted message, string code and three levels of cause, nothing else', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED with sekret-value-1'), {
      code: 'ECONNREFUSED',
    });
    const outer = Object.assign(new TypeError('fetch failed', { cause: inner }), {
      request: { headers: { authorization: 'Bearer sekret-value-2' } },
    });
    const copy = safeCause(outer, ['sekret-value-1']);
    expect(copy.name).toBe('TypeError');
    expect((copy.cause as Error & { code: string }).code).toBe('ECONNREFUSED');
    const printed = inspect(copy, { depth: 10 });
    expect(printed).not.toContain('sekret-value');
    expect(printed).not.toContain('request');

    let chain: unknown = new Error('bottom');
    for (let i = 0; i < 6; i += 1) chain = new Error(`level ${i}`, { cause: chain });
    let depth = 0;
    for (let node: unknown = safeCause(chain); node instanceof Error; node = node.cause) depth += 1;
    expect(depth).toBe(4);
    expect(safeCause(42).message).toBe('non-Error thrown (number)');
  });
});

describe('Redactor.logger and levels the logger drops', () => {
  it('never walks the fields of a line at a level the logger says it drops', () => {
    const lines: string[] = [];
    let walked = 0;
    const fields = {
      get token() {
        walked += 1;
        return 'secret-value-123456';
      },
    };
    const redactor = new Redactor();
    redactor.add('secret-value-123456');
    const logger = redactor.logger({
      debug: () => lines.push('debug'),
      info: (_event, f) => lines.push(`info ${JSON.stringify(f)}`),
      warn: () => lines.push('warn'),
      error: () => lines.push('error'),
      isLevelEnabled: (level) => level !== 'debug',
    });
    logger.debug('quiet', fields);
    expect(walked).toBe(0);
    logger.info('heard', fields);
    expect(walked).toBe(1);
    expect(lines).toEqual(['info {"token":"[redacted]"}']);
    expect(logger.isLevelEnabled?.('debug')).toBe(false);
    expect(logger.isLevelEnabled?.('warn')).toBe(true);
  });

  it('hands every line to a logger that does not say (as before)', () => {
    const lines: string[] = [];
    const logger = new Redactor().logger({
      debug: (event) => lines.push(event),
      info: (event) => lines.push(event),
      warn: (event) => lines.push(event),
      error: (event) => lines.push(event),
    });
    logger.debug('a');
    logger.error('b');
    expect(lines).toEqual(['a', 'b']);
    expect(logger.isLevelEnabled?.('debug')).toBe(true);
  });
});
