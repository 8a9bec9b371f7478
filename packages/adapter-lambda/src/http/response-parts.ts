import { wholeResponseParts } from '@wg-sync/core';

/** A `Response` taken apart the way Lambda proxy results need it. */
export interface ResponseParts {
  statusCode: number;
  /** Every header but `set-cookie`, one value each (repeated headers joined with `, ` by `Headers`). */
  headers: Record<string, string>;
  /** Each `Set-Cookie` header on its own (they cannot be comma-joined). */
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
}

const TEXT =
  /^(text\/|application\/(json|[a-z0-9.+-]*\+json|xml|[a-z0-9.+-]*\+xml|javascript|x-www-form-urlencoded)\b)/i;

/** Reads a `Response` into status, headers, cookies and a body that is text when the type is textual, base64 otherwise. */
export async function responseParts(response: Response): Promise<ResponseParts> {
  const whole = wholePartsOf(response);
  if (whole) return whole;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  const text = bytes.length === 0 || TEXT.test(type);
  return {
    statusCode: response.status,
    headers,
    cookies: response.headers.getSetCookie(),
    body: text ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !text,
  };
}

/**
 * Core's JSON answers hand over their text: no Web body to build and read back. Only for plain
 * lower-case headers without cookies, which is what core makes; anything else goes the long way.
 */
function wholePartsOf(response: Response): ResponseParts | undefined {
  const whole = wholeResponseParts(response);
  if (!whole || whole.headers instanceof Headers) return undefined;
  for (const name of Object.keys(whole.headers)) {
    if (name !== name.toLowerCase() || name === 'set-cookie') return undefined;
  }
  return {
    statusCode: whole.status,
    headers: { ...whole.headers },
    cookies: [],
    body: whole.body,
    isBase64Encoded: false,
  };
}
