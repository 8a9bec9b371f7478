/** How to make a secret that passes {@link weakSecretReason}. */
export const GENERATE_SECRET_HINT = 'generate one with: openssl rand -hex 32';

const MIN_LENGTH = 16;
const MIN_DISTINCT = 6;
/**
 * The character distribution of the value itself, times its length: a rough lower bound of the work
 * to guess it. Random 16-character hex (64 bits) scores ~50 and is refused about once in 7 000 draws;
 * `openssl rand -hex 32` scores ~240.
 */
const MIN_ESTIMATED_BITS = 36;

/**
 * Why a secret guarding a public endpoint (the API token, the webhook secret) is too weak, or
 * `undefined` when it is fine. Catches what people actually type: short values, one character
 * repeated, `abcd…` / `1234…` runs, a short pattern repeated.
 */
export function weakSecretReason(value: string): string | undefined {
  if (value.length < MIN_LENGTH) return `is shorter than ${MIN_LENGTH} characters`;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  if (counts.size < MIN_DISTINCT) return `uses only ${counts.size} different characters`;
  if (isRun(value)) return 'is a run of consecutive characters';
  if (isRepeated(value)) return 'is a short pattern repeated';
  let bitsPerChar = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bitsPerChar -= p * Math.log2(p);
  }
  if (bitsPerChar * value.length < MIN_ESTIMATED_BITS) return 'is too predictable';
  return undefined;
}

/** `abcdef…`, `9876…`, `aceg…`: every step between neighbours is the same. */
function isRun(value: string): boolean {
  const step = value.charCodeAt(1) - value.charCodeAt(0);
  for (let i = 2; i < value.length; i += 1) {
    if (value.charCodeAt(i) - value.charCodeAt(i - 1) !== step) return false;
  }
  return true;
}

/** `abcdefghabcdefgh`: the value is one piece of at most half its length, repeated. */
function isRepeated(value: string): boolean {
  for (let period = 1; period <= value.length / 2; period += 1) {
    let repeats = true;
    for (let i = period; i < value.length && repeats; i += 1) {
      if (value[i] !== value[i - period]) repeats = false;
    }
    if (repeats) return true;
  }
  return false;
}
