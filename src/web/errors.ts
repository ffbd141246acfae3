import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { describeIssues } from '../domain/index.js';
import { PdfError } from '../pdf/index.js';
import type { ErrorCode, MessageParams } from '../render/index.js';

/**
 * The HTTP status of each error code, the same on every surface (a surface only chooses how the
 * error is written). A code not listed here is a client error, 400.
 */
export const ERROR_STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  invalid_json: 400,
  invalid_form: 400,
  body_incomplete: 400,
  unsupported_content_type: 400,
  invalid_key: 400,
  invalid_issuer: 400,
  invalid_audience: 400,
  authentication_failed: 400,
  access_denied: 400,
  unauthorized: 401,
  login_failed: 401,
  forbidden: 403,
  csrf_failed: 403,
  other_obligee: 403,
  not_found: 404,
  page_not_found: 404,
  body_too_large: 413,
  invalid_request: 422,
  invalid_field: 422,
  invalid_date: 422,
  invalid_cursor: 422,
  control_character: 422,
  too_long: 422,
  malformed_number: 422,
  malformed_auth_key: 422,
  locked_out: 429,
  rate_limited: 429,
  internal_error: 500,
  pdf_unavailable: 503,
  service_unavailable: 503,
  database_unavailable: 503,
};

/** What an error carries besides its code; its status comes from ERROR_STATUS. */
export interface AppErrorDetails {
  params?: MessageParams;
  headers?: Record<string, string>;
  detail?: string;
}

/**
 * An error a client is meant to see: a stable code (tests and API clients rely on it, and it names
 * the message in the catalogs), its HTTP status (from ERROR_STATUS unless given), parameters of
 * its message, headers the answer must carry (e.g. `Retry-After`), and what exactly was wrong (a
 * field path and why, added to the API message and the RFC 8935 description).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: ContentfulStatusCode;
  readonly params: MessageParams;
  readonly headers: Record<string, string>;
  readonly detail?: string;
  constructor(code: ErrorCode, details?: AppErrorDetails);
  constructor(code: ErrorCode, status: ContentfulStatusCode, params?: MessageParams, headers?: Record<string, string>, detail?: string);
  constructor(
    readonly code: ErrorCode,
    statusOrDetails?: ContentfulStatusCode | AppErrorDetails,
    params: MessageParams = {},
    headers: Record<string, string> = {},
    detail?: string,
  ) {
    super(code);
    const details = typeof statusOrDetails === 'object' ? statusOrDetails : { params, headers, detail };
    this.status = (typeof statusOrDetails === 'number' ? statusOrDetails : undefined) ?? ERROR_STATUS[code] ?? 400;
    this.params = details.params ?? {};
    this.headers = details.headers ?? {};
    this.detail = details.detail;
  }
}

/**
 * What any thrown value means to the client: an AppError as it is, a failed schema check as a 422
 * naming its fields, hono's own refusals by their status, a PDF that cannot be made now as a 503;
 * anything else is shosho's failure (500, to be logged) and returns null.
 */
export function clientError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // No browser, or one that failed or timed out: the operator's fix is in the renderer's log line.
  if (err instanceof PdfError) {
    return new AppError(err.code === 'PDF_UNAVAILABLE' ? 'pdf_unavailable' : 'service_unavailable', { headers: { 'retry-after': '10' } });
  }
  if (err instanceof ZodError) {
    const field = err.issues[0]?.path.map(String).join('.');
    const detail = describeIssues(err);
    return field ? new AppError('invalid_field', { params: { field }, detail }) : new AppError('invalid_request', { detail });
  }
  if (err instanceof HTTPException && err.status < 500) return new AppError('invalid_request', err.status as ContentfulStatusCode);
  return null;
}
