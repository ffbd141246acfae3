import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { CONTROL_CHARACTER_MESSAGE } from '../domain/index.js';
import type { FormError, Renderer, ViewData, ViewName } from '../render/index.js';
import type { AppEnv } from './env.js';

/**
 * Where the language switch leads: a GET page itself; after a POST, the page whose form was sent
 * (`/certificates/:id/archive` → `/certificates/:id`), since a POST's own path may answer no GET.
 */
function languageSwitchPath(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  if (c.req.method !== 'GET') return FORM_OF_POST[url.pathname] ?? url.pathname.replace(/^(\/(?:certificates|archive)\/[^/]+)\/[a-z]+$/, '$1');
  // only what pages read as filters goes on: a link never echoes anything else a URL carried (a key)
  const kept = new URLSearchParams([...url.searchParams].filter(([name]) => PAGE_QUERY_NAMES.has(name)));
  return kept.size ? `${url.pathname}?${kept}` : url.pathname;
}

/** POSTs whose form is a page of another path (the ledger's forms, routes/contracts.ts). */
const FORM_OF_POST: Record<string, string> = { '/contracts': '/contracts/-/new', '/contracts/import': '/contracts/-/import' };

const PAGE_QUERY_NAMES = new Set([
  'number',
  'next',
  'q',
  'from',
  'to',
  'kind',
  'status',
  'changed',
  'page',
  'sort',
  'order',
  'cursor',
  'limit',
  'actor',
  'action',
  'open',
  'type',
  'contract',
  'state',
]);

/** Renders a view with what every page needs from the request: language, user, CSRF token, request id. */
export function renderPage<V extends ViewName>(
  c: Context<AppEnv>,
  renderer: Renderer,
  view: V,
  data: ViewData[V],
  status: ContentfulStatusCode = 200,
  csrfToken?: string,
) {
  const p = c.get('principal');
  const user =
    p?.kind === 'session' && p.username
      ? { username: p.username, role: p.role as 'clerk' | 'auditor' | 'admin', orgName: p.orgName, openAlerts: c.get('openAlerts') }
      : null;
  const html = renderer.render(view, data, {
    lang: c.get('lang'),
    requestId: c.get('requestId'),
    user,
    csrfToken: csrfToken ?? p?.csrfToken ?? undefined,
    pagePath: languageSwitchPath(c),
  });
  c.header('cache-control', 'no-store');
  return c.html(html, status);
}

/** A day that names no day says so with what was typed; any other bad day gets the spellings that work. */
function dateError(issue: ZodError['issues'][number], field: string): FormError {
  const { problem, text } = (issue as { params?: { problem?: string; text?: string } }).params ?? {};
  if (problem === 'impossible' && text) return { code: 'date_impossible', field, params: { text } };
  if (problem === 'era' && text) return { code: 'date_outside_era', field, params: { text } };
  return { code: 'invalid_date', field };
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
    if (field === 'from' || field === 'to') return dateError(issue, field);
    // No control on the form sets these: the message names them, with no link to a missing field.
    if (field === 'cursor') return { code: 'invalid_cursor' };
    if (field === 'sort' || field === 'order') return { code: 'invalid_sort' };
    if (field === 'limit') return { code: 'invalid_limit' };
    if (field === 'kind') return { code: 'invalid_kind', field };
    if (field === 'status') return { code: 'invalid_status', field };
    return { code: 'invalid_request', field };
  });
}
