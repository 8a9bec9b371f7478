import { spawn } from 'node:child_process';

/** Opens a URL in the desktop's browser when there is one; silently does nothing otherwise. */
export function openInBrowser(url: string): void {
  if (process.env.WG_SYNC_NO_OPEN === '1' || process.env.CI) return;
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no desktop: the URL is printed anyway
  }
}
