import type { ApiGatewayV1Event, ApiGatewayV1Result } from '../lambda-events.js';
import type { HttpEventProcessor } from './http-event-processor.js';
import { responseParts } from './response-parts.js';
import { appendHeader, clientAddressOf, stripPrefix, webRequest, withinBasePath } from './web-request.js';

function isApiGatewayV1Event(event: unknown): event is ApiGatewayV1Event {
  const e = event as Partial<ApiGatewayV1Event> | null;
  return typeof e?.httpMethod === 'string' && typeof e.path === 'string';
}

/** `multiValueHeaders` holds every value (the single-value map keeps only the last), so it wins when present. */
function headersOf(event: ApiGatewayV1Event): Headers {
  const headers = new Headers();
  if (event.multiValueHeaders) {
    for (const [name, values] of Object.entries(event.multiValueHeaders))
      for (const value of values ?? []) appendHeader(headers, name, value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {})) appendHeader(headers, name, value);
  }
  return headers;
}

/** API Gateway hands v1 query parameters over decoded, so they are encoded again here. */
function queryOf(event: ApiGatewayV1Event): string {
  const query = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters))
      for (const value of values ?? []) query.append(name, value);
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {}))
      if (value !== undefined) query.append(name, value);
  }
  return query.toString();
}

/** API Gateway REST APIs (payload format 1.0). */
export const apiGatewayV1: HttpEventProcessor<ApiGatewayV1Event, ApiGatewayV1Result> = {
  name: 'api-gateway-v1',
  matches: isApiGatewayV1Event,
  toRequest(event, { basePath } = {}) {
    const headers = headersOf(event);
    // REST APIs keep a custom domain's base path in `path` (`/wg/health`), and no stage.
    const path = stripPrefix(withinBasePath(event.path, basePath) ?? event.path, event.requestContext?.stage);
    return webRequest({
      method: event.httpMethod,
      host: headers.get('host') ?? event.requestContext?.domainName,
      path,
      query: queryOf(event),
      headers,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
    });
  },
  path(event) {
    return event.path;
  },
  clientAddress(event) {
    return clientAddressOf(event.requestContext?.identity?.sourceIp);
  },
  async toResult(response) {
    const { cookies, ...parts } = await responseParts(response);
    const multiValueHeaders: Record<string, string[]> = cookies.length > 0 ? { 'set-cookie': cookies } : {};
    return { ...parts, multiValueHeaders };
  },
};
