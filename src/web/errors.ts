import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode, MessageParams } from '../render/index.js';

/**
 * An error a client is meant to see: a stable code (tests and API clients rely on it, and it names
 * the message in the catalogs) and the HTTP status it maps to.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    readonly status: ContentfulStatusCode,
    readonly params: MessageParams = {},
    readonly headers: Record<string, string> = {},
    /** what exactly was wrong (a field path and why), added to the API message */
    readonly detail?: string,
  ) {
    super(code);
  }
}
