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
