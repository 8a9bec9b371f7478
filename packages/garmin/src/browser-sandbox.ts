import { existsSync, readFileSync } from 'node:fs';

const BROWSER_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What {@link needsNoSandbox} looks at; {@link hostForSandbox} reads the real values. */
export interface SandboxHost {
  /** `process.getuid?.()`: `undefined` on Windows. */
  uid: number | undefined;
  /** Whether a file exists (`/.dockerenv`, `/run/.containerenv`). */
  exists: (path: string) => boolean;
  /** The environment (`container` is set by podman, systemd-nspawn, LXC, …). */
  env: Readonly<Record<string, string | undefined>>;
  /** The text of `/proc/1/cgroup`, or `''` when it cannot be read. */
  cgroup: string;
}

/**
 * Whether Chromium must run with `--no-sandbox`, and why. Its sandbox refuses to start as root,
 * and inside most containers (no user namespaces, seccomp in the way); everywhere else it is the
 * line between a hostile page and the user's files, so it stays on. Pure: the caller gathers the
 * facts ({@link hostForSandbox}).
 */
export function needsNoSandbox(host: SandboxHost): { needed: boolean; reason: string } {
  if (host.uid === 0) return { needed: true, reason: 'running as root' };
  for (const marker of ['/.dockerenv', '/run/.containerenv']) {
    if (host.exists(marker)) return { needed: true, reason: `in a container (${marker})` };
  }
  if (host.env.container) return { needed: true, reason: 'in a container ($container is set)' };
  if (/docker|kubepods|containerd|lxc/.test(host.cgroup)) {
    return { needed: true, reason: 'in a container (/proc/1/cgroup)' };
  }
  return { needed: false, reason: 'not root and not in a container' };
}

/**
 * Launch settings for a {@link needsNoSandbox} decision. Playwright itself adds `--no-sandbox`
 * unless `chromiumSandbox: true`, so keeping the sandbox takes that option, not just leaving the
 * flag out of `args`.
 */
export function sandboxLaunchOptions(noSandbox: boolean): { chromiumSandbox: boolean; args: string[] } {
  return noSandbox
    ? { chromiumSandbox: false, args: ['--no-sandbox', ...BROWSER_ARGS] }
    : { chromiumSandbox: true, args: [...BROWSER_ARGS] };
}

/** The real host facts for {@link needsNoSandbox}. */
export function hostForSandbox(): SandboxHost {
  let cgroup = '';
  try {
    cgroup = readFileSync('/proc/1/cgroup', 'utf8');
  } catch {
    // not Linux, or not readable: the other signs still count
  }
  return { uid: process.getuid?.(), exists: existsSync, env: process.env, cgroup };
}
