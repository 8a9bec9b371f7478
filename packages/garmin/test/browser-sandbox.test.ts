import { testChromium } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import {
  hostForSandbox,
  needsNoSandbox,
  type SandboxHost,
  sandboxLaunchOptions,
  serviceHostUnresolvable,
} from '../src/garmin-browser-login.js';
import { garminBrowserLogin } from '../src/index.js';
import { failure, useSim } from './helpers.js';

/** An ordinary desktop: a normal user, no container marker anywhere. */
const desktop: SandboxHost = {
  uid: 1000,
  exists: () => false,
  env: { HOME: '/home/user' },
  cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n',
};

describe('Chromium keeps its sandbox unless it cannot have one (root or a container)', () => {
  it('a normal user outside a container: sandbox on (chromiumSandbox: true, no --no-sandbox)', () => {
    const decision = needsNoSandbox(desktop);
    expect(decision).toEqual({ needed: false, reason: 'not root and not in a container' });
    const launch = sandboxLaunchOptions(decision.needed);
    expect(launch.chromiumSandbox).toBe(true);
    expect(launch.args).not.toContain('--no-sandbox');
    expect(launch.args).toContain('--disable-gpu');
    // Windows has no getuid: same answer.
    expect(needsNoSandbox({ ...desktop, uid: undefined }).needed).toBe(false);
  });

  it('root: sandbox off', () => {
    expect(needsNoSandbox({ ...desktop, uid: 0 })).toEqual({ needed: true, reason: 'running as root' });
  });

  it.each(['/.dockerenv', '/run/.containerenv'])('%s exists: sandbox off', (marker) => {
    const decision = needsNoSandbox({ ...desktop, exists: (path) => path === marker });
    expect(decision).toEqual({ needed: true, reason: `in a container (${marker})` });
  });

  it('$container is set: sandbox off (an empty value does not count)', () => {
    expect(needsNoSandbox({ ...desktop, env: { container: 'podman' } })).toEqual({
      needed: true,
      reason: 'in a container ($container is set)',
    });
    expect(needsNoSandbox({ ...desktop, env: { container: '' } }).needed).toBe(false);
  });

  it.each([
    '12:pids:/docker/4f1c2a9e0b7d\n',
    '0::/kubepods/besteffort/pod1234/abcd\n',
    '1:name=systemd:/system.slice/containerd.service\n',
    '3:cpuset:/lxc/web01\n',
  ])('/proc/1/cgroup says %j: sandbox off', (cgroup) => {
    expect(needsNoSandbox({ ...desktop, cgroup })).toEqual({
      needed: true,
      reason: 'in a container (/proc/1/cgroup)',
    });
  });

  it('sandbox off means --no-sandbox and chromiumSandbox: false, the other flags unchanged', () => {
    const off = sandboxLaunchOptions(true);
    const on = sandboxLaunchOptions(false);
    expect(off.chromiumSandbox).toBe(false);
    expect(off.args[0]).toBe('--no-sandbox');
    expect(off.args.slice(1)).toEqual(on.args);
  });
});

describe('garminBrowserLogin says which it chose', () => {
  it('one debug line names the decision for this host before Chromium starts (real Chromium)', async () => {
    const { executablePath } = await testChromium();
    const sim = await useSim();
    const steps: string[] = [];
    const error = await failure(
      garminBrowserLogin({
        executablePath,
        headless: true,
        urls: sim.urls,
        loginTimeoutMs: 1000,
        debug: (l) => steps.push(l),
      }),
    );
    expect(error.code).toBe('TIMEOUT'); // Chromium did start, with these settings
    const { needed, reason } = needsNoSandbox(hostForSandbox());
    const line = needed ? `Chromium sandbox off (--no-sandbox): ${reason}` : `Chromium sandbox on: ${reason}`;
    expect(steps.filter((step) => step.startsWith('Chromium sandbox'))).toEqual([line]);
    expect(steps.indexOf(line)).toBeLessThan(steps.findIndex((step) => step.startsWith('starting ')));
  }, 60_000);
});

describe('the ticket stays on this machine', () => {
  it('the service host does not resolve inside the login browser, so the redirect carrying the ticket goes nowhere', () => {
    expect(serviceHostUnresolvable('https://mobile.integration.garmin.com/gcm/android')).toBe(
      '--host-resolver-rules=MAP mobile.integration.garmin.com ~NOTFOUND',
    );
    expect(serviceHostUnresolvable('https://mobile.integration.garmin.cn/gcm/android')).toBe(
      '--host-resolver-rules=MAP mobile.integration.garmin.cn ~NOTFOUND',
    );
  });
});
