/**
 * The wg-sync handler on any `node:http` server, without Express: {@link nodeHttpHandler}, and the two
 * converters it is built from, {@link incomingMessageToRequest} and {@link writeResponse}.
 *
 * @packageDocumentation
 */
export type { BackgroundErrorHandler } from './background-tasks.js';
export {
  type IncomingMessageToRequestOptions,
  incomingMessageToRequest,
} from './incoming-message-to-request.js';
export { type NodeHttpHandler, type NodeHttpHandlerOptions, nodeHttpHandler } from './node-http-handler.js';
export { PayloadTooLargeError } from './payload-too-large-error.js';
export { ClientClosedError } from './request-body.js';
export { writeResponse } from './write-response.js';
