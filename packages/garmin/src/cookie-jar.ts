/**
 * The smallest cookie jar that keeps one SSO login on one session: Garmin ties the MFA step to the
 * login through cookies (protocol §1.2), and `fetch` keeps none by itself. One host, no expiry
 * handling: a jar lives for one login only.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes every `Set-Cookie` of an answer. */
  store(headers: Headers): void {
    const lines =
      typeof headers.getSetCookie === 'function'
        ? headers.getSetCookie()
        : (headers.get('set-cookie')?.split(/,(?=\s*[^;=\s]+=)/) ?? []);
    for (const line of lines) {
      const pair = line.split(';', 1)[0] ?? '';
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0\b|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header value, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
