/**
 * The Tornado style on nbio's EventLoop: the `IOLoop` façade, `PeriodicCallback`, `IOStream`,
 * `TCPServer`/`TCPClient`, generator `coroutine`s and `AsyncHTTPClient`. The loop is passed explicitly: there is
 * no `IOLoop.current()`. See docs/styles/tornado.md for the map from Tornado's names.
 *
 * @module
 */
export {
  AsyncHTTPClient,
  HTTPClientError,
  HTTPRequest,
  type HTTPRequestOptions,
  HTTPResponse,
} from './async-http-client.ts';
export { coroutine, moment, sleep } from './coroutine.ts';
export { type FileLike, type IOHandler, IOLoop } from './io-loop.ts';
export { DEFAULT_MAX_BUFFER_SIZE, IOStream, type IOStreamOptions, streamProtocol } from './io-stream.ts';
export { PeriodicCallback } from './periodic-callback.ts';
export { type StreamHandler, TCPClient, TCPServer } from './tcp-server.ts';
export {
  Application,
  type HTTPServerRequest,
  RequestHandler,
  type RequestHandlerClass,
} from './web-application.ts';
