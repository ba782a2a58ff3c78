/**
 * nbio's HTTP/1.1 layer (L5): a strict incremental parser (pure: bytes in, events out) and a
 * server on nbio's own transports — fetch-shaped (`serve`) and low-level (`serveRaw`) — and a
 * pooled client (`fetch`, `HttpClient`; see src/http/client/). See docs/http.md.
 *
 * @module
 */
export * from './client/index.ts';
export { HeaderList } from './parser/header-list.ts';
export { HttpParseError, type HttpParseErrorReason } from './parser/http-parse-error.ts';
export { HttpParser, type HttpParserHandler } from './parser/http-parser.ts';
export {
  type BodyFraming,
  DEFAULT_LIMITS,
  type HttpLimits,
  MessageHead,
  type MessageKind,
} from './parser/message-head.ts';
export { BODY_HIGH_WATER_BYTES, BodyReader } from './server/body-reader.ts';
export { type Exchange, HttpConnection, PIPELINE_LIMIT_BYTES } from './server/http-connection.ts';
export { httpDate } from './server/http-date.ts';
export {
  type FetchHandler,
  HttpServer,
  type HttpServerOptions,
  type HttpServerStats,
  type RawHandler,
  type ServeOptions,
  serve,
  serveRaw,
} from './server/http-server.ts';
export { installLightResponse, LightResponse } from './server/light-response.ts';
export { PlainResponse, type PlainResponseInit } from './server/plain-response.ts';
export type { HeaderInput } from './server/response-head.ts';
export type { ResponseTrailers, TrailersInit } from './server/response-trailers.ts';
export { ResponseWriter } from './server/response-writer.ts';
export { ServerRequest } from './server/server-request.ts';
export { statusText } from './server/status-text.ts';
