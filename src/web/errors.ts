import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error a client is meant to see: a stable code (tests and API clients rely on it) and the HTTP
 * status it maps to. The message is a catalog key unless `detail` carries a specific sentence.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: string,
    readonly status: ContentfulStatusCode,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
    readonly params: Record<string, string | number> = {},
  ) {
    super(detail ?? code);
  }
}
