// What the scale bench counts: a StateStore wrapper that waits a DynamoDB-like latency (virtual) per
// operation and counts the request units DynamoDB on demand would bill for it, and a fetch that waits
// the injected upstream latency (virtual) before each call and counts Withings' calls per minute.
//
// Units follow DynamoDB's rules for the item dynamoStore writes (key, value as JSON text, version,
// segment, ttl; about 60 bytes besides the key and the value): a strongly consistent read (GetItem,
// BatchGetItem, as dynamoStore reads) is 1 RRU per 4 KB, a write (PutItem, DeleteItem, conditional
// or not) 1 WRU per 1 KB plus 1 WRU for the keys-only index `bySegment`, a Query of that index (an
// eventually consistent read) 0.5 RRU per 4 KB of keys returned.

const ITEM_OVERHEAD_BYTES = 60;
const KB = 1024;

export function countedStore(store, { sleep, latencyMs }) {
  const counts = { get: 0, put: 0, delete: 0, listPage: 0, listed: 0, rru: 0, wru: 0, listRru: 0 };
  const size = (key, value) =>
    key.length + ITEM_OVERHEAD_BYTES + (value === undefined ? 0 : JSON.stringify(value).length);
  const wait = (ms) => (counted.latency && ms > 0 ? sleep(ms) : undefined);
  const counted = {
    latency: true,
    counts,
    reset() {
      for (const name of Object.keys(counts)) counts[name] = 0;
    },
    async get(key) {
      await wait(latencyMs);
      const entry = await store.get(key);
      counts.get += 1;
      counts.rru += Math.max(1, Math.ceil(size(key, entry?.value) / (4 * KB)));
      return entry;
    },
    async put(key, value, options) {
      await wait(latencyMs);
      counts.put += 1;
      counts.wru += Math.ceil(size(key, value) / KB) + 1;
      return store.put(key, value, options);
    },
    async delete(key, options) {
      await wait(latencyMs);
      counts.delete += 1;
      counts.wru += 2;
      return store.delete(key, options);
    },
    async list(prefix) {
      const entries = await store.list(prefix);
      counts.listed += entries.length;
      return entries;
    },
    async listPage(prefix, options) {
      // A Query of the index, then a BatchGetItem of the page's values: two round trips.
      await wait(2 * latencyMs);
      const page = await store.listPage(prefix, options);
      counts.listPage += 1;
      counts.listed += page.entries.length;
      const keyBytes = page.entries.reduce((sum, e) => sum + 2 * e.key.length + 20, 0);
      const reads =
        0.5 * Math.max(1, Math.ceil(keyBytes / (4 * KB))) +
        page.entries.reduce((sum, e) => sum + Math.ceil(size(e.key, e.value) / (4 * KB)), 0);
      counts.rru += reads;
      counts.listRru += reads;
      return page;
    },
  };
  return counted;
}

/**
 * A fetch that waits `latencyMs(url)` of virtual time, then runs the real request on loopback (and
 * reads its body) as one `io` operation, so the clock stands still while it is on the wire.
 */
export function latentFetch({ io, sleep, latencyMs, onCall }) {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : (input.url ?? String(input));
    await sleep(latencyMs(url));
    onCall?.(url);
    return io(async () => {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      const empty = [101, 204, 205, 304].includes(response.status);
      return new Response(empty ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  };
}

/** The most values of `times` (ms, sorted or not) within any 60 s. */
export function peakPerMinute(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i] - sorted[j] >= 60_000) j += 1;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}
