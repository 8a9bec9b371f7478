import type * as z from 'zod/mini';
import { GarminApiError } from './errors.js';
import type { ReadResponse } from './http.js';
import { ENGLISH } from './zod-english.js';

/** Parses a JSON body; empty or non-JSON is `PROTOCOL` (never "no data"). */
export function parseJson(response: ReadResponse, what: string): unknown {
  if (response.text.trim() === '') {
    throw new GarminApiError('PROTOCOL', `${what} answered ${response.status} with an empty body`, {
      status: response.status,
    });
  }
  try {
    return JSON.parse(response.text);
  } catch {
    throw new GarminApiError(
      'PROTOCOL',
      `${what} answered ${response.status} with a body that is not JSON (${describeBody(response)})`,
      { status: response.status },
    );
  }
}

/**
 * Validates a parsed body; a mismatch is `PROTOCOL` naming the first offending paths. The message
 * is built from the path and the kind of value found (`is missing`, `got null`, `got a string`),
 * never from the value itself or zod's wording, so a token in a mistyped field cannot end up in it.
 */
export function parseWith<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  what: string,
  status?: number,
): z.infer<T> {
  const result = schema.safeParse(value, { error: ENGLISH });
  if (result.success) return result.data;
  // "path is missing", not "path: missing": redact() scrubs whatever follows `access_token:`.
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'} ${describeIssue(issue, value)}`)
    .join('; ');
  throw new GarminApiError('PROTOCOL', `${what} answered an unexpected shape (${kindOf(value)}): ${issues}`, {
    ...(status === undefined ? {} : { status }),
  });
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  let found: unknown = root;
  for (const key of issue.path) {
    found =
      found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (found === undefined) return 'is missing';
  const expected =
    issue.code === 'invalid_type'
      ? `should be ${article(issue.expected)}`
      : `is ${issue.code.replaceAll('_', ' ')}`;
  return `${expected}, got ${kindOf(found)}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `an array of 3`, `null`, `a string`, … (the kind of a value, never the value). */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : article(typeof value);
}

function describeBody(response: ReadResponse): string {
  const type = response.headers.get('content-type') ?? 'no content type';
  return `${type}, ${response.text.length} bytes`;
}
