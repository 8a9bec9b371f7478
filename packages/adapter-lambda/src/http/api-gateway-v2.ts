import type { ApiGatewayV2Event, ApiGatewayV2Result } from '../lambda-events.js';
import type { HttpEventProcessor } from './http-event-processor.js';
import { responseParts } from './response-parts.js';
import { appendHeader, clientAddressOf, stripPrefix, webRequest, withinBasePath } from './web-request.js';

function isApiGatewayV2Event(event: unknown): event is ApiGatewayV2Event {
  const e = event as Partial<ApiGatewayV2Event> | null;
  return (
    e?.version === '2.0' &&
    typeof e.rawPath === 'string' &&
    typeof e.requestContext?.http?.method === 'string'
  );
}

const isFunctionUrlEvent = (event: unknown): event is ApiGatewayV2Event =>
  isApiGatewayV2Event(event) && /\.lambda-url\./.test(event.requestContext.domainName ?? '');

function headersOf(event: ApiGatewayV2Event): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) appendHeader(headers, name, value);
  // Payload 2.0 moves the Cookie header into `cookies`.
  if (event.cookies?.length) appendHeader(headers, 'cookie', event.cookies.join('; '));
  return headers;
}

const v2 = {
  toRequest(event: ApiGatewayV2Event, { basePath }: { basePath?: string } = {}): Request {
    const headers = headersOf(event);
    // The base path (a custom domain's API mapping) comes first, then a named stage.
    const inner = withinBasePath(event.rawPath, basePath) ?? event.rawPath;
    return webRequest({
      method: event.requestContext.http.method,
      host: headers.get('host') ?? event.requestContext.domainName,
      path: stripPrefix(inner, event.requestContext.stage),
      query: event.rawQueryString ?? '',
      headers,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
    });
  },
  path(event: ApiGatewayV2Event): string {
    return event.rawPath;
  },
  clientAddress(event: ApiGatewayV2Event): string | undefined {
    return clientAddressOf(event.requestContext?.http?.sourceIp);
  },
  async toResult(response: Response): Promise<ApiGatewayV2Result> {
    return responseParts(response);
  },
};

/** API Gateway HTTP APIs (payload format 2.0). */
export const apiGatewayV2: HttpEventProcessor<ApiGatewayV2Event, ApiGatewayV2Result> = {
  name: 'api-gateway-v2',
  matches: isApiGatewayV2Event,
  ...v2,
};

/** Lambda Function URLs: payload format 2.0 on a `*.lambda-url.*` domain, with no stage. */
export const functionUrl: HttpEventProcessor<ApiGatewayV2Event, ApiGatewayV2Result> = {
  name: 'function-url',
  matches: isFunctionUrlEvent,
  ...v2,
};
