import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { CONTROL_CHARACTER_MESSAGE } from '../domain/index.js';
import type { FormError, Renderer, ViewData, ViewName } from '../render/index.js';
import type { AppEnv } from './env.js';

/** Renders a view with what every page needs from the request: language, user, CSRF token, request id. */
export function renderPage<V extends ViewName>(
  c: Context<AppEnv>, renderer: Renderer, view: V, data: ViewData[V], status: ContentfulStatusCode = 200, csrfToken?: string,
) {
  const p = c.get('principal');
  const user = p?.kind === 'session' && p.username
    ? { username: p.username, role: p.role as 'clerk' | 'auditor' | 'admin', orgName: p.orgName, openAlerts: c.get('openAlerts') }
    : null;
  const html = renderer.render(view, data, {
    lang: c.get('lang'),
    requestId: c.get('requestId'),
    user,
    csrfToken: csrfToken ?? p?.csrfToken ?? undefined,
  });
  c.header('cache-control', 'no-store');
  return c.html(html, status);
}

/**
 * A form's or search filter's validation errors, each at its field: a bad `from`/`to` says it is
 * not a date, a bad cursor to start again, too long gives the limit, a control character says so.
 */
export function formErrors(e: ZodError): FormError[] {
  return e.issues.map((issue): FormError => {
    const field = String(issue.path[0] ?? '');
    if (issue.message === CONTROL_CHARACTER_MESSAGE) return { code: 'control_character', field };
    if (issue.code === 'too_big') return { code: 'too_long', field, params: { max: Number(issue.maximum) } };
    if (field === 'from' || field === 'to') return { code: 'invalid_date', field };
    if (field === 'cursor') return { code: 'invalid_cursor', field };
    return { code: 'invalid_request', field };
  });
}
