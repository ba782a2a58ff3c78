/**
 * The errors of nbio's HTTP client, each with a stable `code` (src/errors.ts). With the
 * library's own errors they cover every way a request fails:
 *
 * | what happened                                   | error                         | code                            |
 * |-------------------------------------------------|-------------------------------|---------------------------------|
 * | nobody listens at the address                   | `ConnectionRefusedError`      | `NBIO_CONNECTION_REFUSED`       |
 * | the name does not resolve                       | `NameResolutionError`         | `NBIO_NAME_NOT_RESOLVED`        |
 * | the connection was reset or closed mid-exchange | {@link ConnectionResetError}  | `NBIO_CONNECTION_RESET`         |
 * | connect, headers or whole-request deadline      | {@link RequestTimeoutError}   | `NBIO_TIMEOUT`                  |
 * | the caller's `AbortSignal` fired                | `AbortedError`                | `NBIO_ABORTED`                  |
 * | the server's bytes are not HTTP/1.x             | {@link MalformedResponseError}| `NBIO_HTTP_MALFORMED_RESPONSE`  |
 * | a redirect with `redirect: 'error'`             | {@link RedirectError}         | `NBIO_HTTP_REDIRECT`            |
 * | more redirects than `maxRedirects`              | {@link TooManyRedirectsError} | `NBIO_HTTP_TOO_MANY_REDIRECTS`  |
 * | a bad URL, method, header or option             | `InvalidArgumentError`        | `NBIO_INVALID_ARGUMENT`         |
 * | an `https:` URL (no TLS in this client)         | `InvalidArgumentError`        | `NBIO_UNSUPPORTED`              |
 * | the client was closed                           | `ClosedResourceError`         | `NBIO_CLOSED`                   |
 *
 * @module
 */
import { NbioError, TimeoutError } from '../../errors.ts';

/**
 * The connection broke before the response was complete: the server reset it (ECONNRESET,
 * EPIPE; the OsError is the `cause`) or closed it in the middle of the head or the body.
 */
export class ConnectionResetError extends NbioError {
  /** @param message what was cut short; @param options `cause`: the transport's error, if any */
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBIO_CONNECTION_RESET', message, options);
  }
}

/** The server sent bytes that are not a valid HTTP/1.x response (RFC 9112). */
export class MalformedResponseError extends NbioError {
  /** @param detail what was wrong, and where; @param options `cause`: the parser's error */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'NBIO_HTTP_MALFORMED_RESPONSE',
      `The server sent a malformed HTTP response: ${detail.replace(/\.$/, '')}. The connection was closed; check the server (or what listens at that port).`,
      options,
    );
  }
}

/** Which deadline of a request passed. */
export type RequestTimeoutPhase = 'connect' | 'headers' | 'request';

/** A deadline of a request passed (code `NBIO_TIMEOUT`, like every nbio timeout). */
export class RequestTimeoutError extends TimeoutError {
  /** `connect`: no connection in time; `headers`: no response head in time; `request`: the whole exchange. */
  readonly phase: RequestTimeoutPhase;
  /** The limit that passed, in milliseconds. */
  readonly timeoutMs: number;
  /** @param phase which deadline; @param timeoutMs its length; @param url the request's URL */
  constructor(phase: RequestTimeoutPhase, timeoutMs: number, url: string) {
    const what =
      phase === 'connect'
        ? `Connecting for ${url}`
        : phase === 'headers'
          ? `Waiting for the response headers of ${url}`
          : `The request to ${url}`;
    const option =
      phase === 'connect' ? 'connectTimeoutMs' : phase === 'headers' ? 'headersTimeoutMs' : 'timeoutMs';
    super(`${what} timed out after ${timeoutMs} ms. Check the server, or allow more time (${option}).`);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The server redirected and the request said `redirect: 'error'`. */
export class RedirectError extends NbioError {
  /** The status of the redirect (301, 302, 303, 307, 308). */
  readonly status: number;
  /** Where it pointed (the Location header, resolved against the request's URL). */
  readonly location: string;
  /**
   * @param status the redirect status; @param location its target; @param url the request's URL
   * @param reason why it cannot be followed (default: the request said `redirect: 'error'`)
   */
  constructor(status: number, location: string, url: string, reason?: string) {
    super(
      'NBIO_HTTP_REDIRECT',
      `${url} redirected (${status}) to ${location}, ${reason ?? "and redirect is 'error'. Use redirect: 'follow' or 'manual' to accept redirects"}.`,
    );
    this.status = status;
    this.location = location;
  }
}

/** A chain of redirects was longer than `maxRedirects`. */
export class TooManyRedirectsError extends NbioError {
  /** The URLs visited, in order, starting with the first request's. */
  readonly urls: readonly string[];
  /** @param maxRedirects the limit; @param urls the chain so far */
  constructor(maxRedirects: number, urls: readonly string[]) {
    super(
      'NBIO_HTTP_TOO_MANY_REDIRECTS',
      `More than ${maxRedirects} redirects, starting at ${urls[0] ?? '?'} (last: ${urls[urls.length - 1] ?? '?'}). The server may loop; raise maxRedirects if the chain is legitimate.`,
    );
    this.urls = Object.freeze([...urls]);
  }
}
