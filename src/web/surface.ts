import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { errorMessage, errorPageStatus, type ErrorCode, type Renderer } from '../render/index.js';
import type { AppEnv } from './env.js';
import type { AppError } from './errors.js';
import { renderPage } from './page.js';

/**
 * One of the HTTP surfaces (people's pages, the JSON API, RFC 8935 push): how it writes every error,
 * how large a body it reads, and whether every answer is private. The app chooses it once per
 * request by path, before any body is read or any route runs.
 */
export interface Surface {
  writeError(c: Context<AppEnv>, err: AppError): Response | Promise<Response>;
  maxBodyBytes: number;
  /** `Cache-Control: no-store` on every answer; otherwise only on answers to a signed-in principal */
  alwaysNoStore: boolean;
}

const MAX_FORM_OR_JSON_BYTES = 256 * 1024;

/** People: the error page, in their language. */
export function pagesSurface(renderer: Renderer): Surface {
  return {
    maxBodyBytes: MAX_FORM_OR_JSON_BYTES,
    alwaysNoStore: false,
    writeError: (c, err) => renderPage(c, renderer, 'error', { status: errorPageStatus(err.status), code: err.code, params: err.params }, err.status),
  };
}

/** Every error of the JSON API (SPEC §4). */
export const apiErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('stable, for programs: `not_found`, `invalid_field`, `locked_out`, …'),
    message: z.string().describe("for people, in the request's language (Japanese unless English is asked for), naming the field when one is wrong"),
  }),
});

/** Obligee systems: `{ error: { code, message } }` with the table's status (SPEC §4). */
export const jsonApiSurface: Surface = {
  maxBodyBytes: MAX_FORM_OR_JSON_BYTES,
  alwaysNoStore: true,
  writeError: (c, err) => {
    const message = errorMessage(c.get('lang') ?? 'ja', err.code, err.params) + (err.detail ? ` (${err.detail})` : '');
    const body: z.output<typeof apiErrorSchema> = { error: { code: err.code, message } };
    return c.json(body, err.status);
  },
};

const RFC8935_ERRS: readonly ErrorCode[] = ['invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed', 'access_denied'];

/**
 * Issuers pushing SETs: RFC 8935 `{ err, description }` (SPEC §2.2). The RFC has one status for a
 * refused SET, 400, so every refusal of the request (too large, wrong type, invalid) is a 400
 * `invalid_request` unless it names an RFC code; what is not a refusal of the SET keeps its status
 * and names itself (404 for another path, 503 + Retry-After to be tried again, 500).
 */
export function pushSurface(maxSetBytes: number): Surface {
  return {
    maxBodyBytes: maxSetBytes,
    alwaysNoStore: false,
    writeError: (c, err) => {
      const refusal = err.status < 500 && err.status !== 404 && err.status !== 405 && err.status !== 429;
      const status: ContentfulStatusCode = refusal ? 400 : err.status;
      const code = refusal && !RFC8935_ERRS.includes(err.code) ? 'invalid_request' : err.code;
      const description = err.detail ?? errorMessage('en', err.code, err.params);
      return c.json({ err: code, description }, status);
    },
  };
}
