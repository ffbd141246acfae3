import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
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

/** A search filter's validation errors, each at its field (a bad `from`/`to` says it is not a date). */
export function filterErrors(e: ZodError): FormError[] {
  return e.issues.map((i) => {
    const field = String(i.path[0] ?? '');
    return { code: field === 'from' || field === 'to' ? 'invalid_date' : 'invalid_request', field };
  });
}
