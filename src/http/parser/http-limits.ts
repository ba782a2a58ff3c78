/**
 * The size limits of a message's head and body, each with the status a server answers with
 * when it is passed, and their defaults. Used by `HttpParser` (its block scan, `parseHead` and
 * the body states); re-exported by message-head.ts.
 *
 * @module
 */

/** Size limits; each has the status a server answers with when it is passed. */
export interface HttpLimits {
  /** Longest request line in bytes, CRLF excluded (414). Default 8 KiB. */
  readonly maxRequestLineBytes?: number;
  /** Largest head (start line + fields), and largest trailer section, in bytes (431). Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Most field lines in a head or trailer section (431). Default 128. */
  readonly maxHeaderCount?: number;
  /** Largest body in bytes, chunked or not (413). Default 64 MiB. */
  readonly maxBodyBytes?: number;
}

/** {@link HttpLimits} with every default filled in. */
export type ResolvedLimits = Required<HttpLimits>;

/** The defaults of {@link HttpLimits}. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 128,
  maxBodyBytes: 64 * 1024 * 1024,
});
