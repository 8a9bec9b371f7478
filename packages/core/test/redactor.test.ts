import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/index.js';

describe('Redactor', () => {
  it('redacts a secret added after lines were already redacted (rotated tokens)', () => {
    const redactor = new Redactor();
    redactor.add('old-refresh-token-1111');
    expect(redactor.text('a old-refresh-token-1111 b')).toBe('a [redacted] b');
    redactor.add('new-refresh-token-2222');
    expect(redactor.text('x new-refresh-token-2222 old-refresh-token-1111')).toBe('x [redacted] [redacted]');
  });

  it('removes a secret that contains another one whole', () => {
    const redactor = new Redactor();
    redactor.add('abcd', 'abcdefgh-secret');
    expect(redactor.text('v=abcdefgh-secret')).toBe('v=[redacted]');
  });

  it('after months of rotations keeps the newest 2000 values, so each line stays cheap', () => {
    const redactor = new Redactor();
    for (let i = 0; i < 2500; i += 1) redactor.add(`rotated-token-${String(i).padStart(5, '0')}`);
    expect(redactor.text('rotated-token-02499 rotated-token-00500')).toBe('[redacted] [redacted]');
    // The oldest were long-dead tokens; they are forgotten first.
    expect(redactor.text('rotated-token-00000')).toBe('rotated-token-00000');
  });

  it('never forgets pinned secrets (client secret, API token, webhook secret), however many tokens rotate', () => {
    const redactor = new Redactor();
    redactor.pin('client-secret-0f3a9c', 'api-token-7d2e1b4c9a', 'hook-secret-3b8f0e2d');
    for (let i = 0; i < 5000; i += 1) redactor.add(`rotated-token-${String(i).padStart(5, '0')}`);
    expect(redactor.text('client-secret-0f3a9c api-token-7d2e1b4c9a hook-secret-3b8f0e2d')).toBe(
      '[redacted] [redacted] [redacted]',
    );
    // Adding a pinned value again as a rotating one neither duplicates nor unpins it.
    redactor.add('client-secret-0f3a9c');
    for (let i = 0; i < 2500; i += 1) redactor.add(`later-token-${String(i).padStart(5, '0')}`);
    expect(redactor.text('client-secret-0f3a9c')).toBe('[redacted]');
  });

  it('removes the user info of a URL (a proxy password), keeping the host', () => {
    const redactor = new Redactor();
    expect(redactor.text('via https://wg:proxy-pass-91c2@proxy.example.org/garmin')).toBe(
      'via https://[redacted]@proxy.example.org/garmin',
    );
    expect(redactor.text('https://proxy.example.org/a@b')).toBe('https://proxy.example.org/a@b');
  });
});
