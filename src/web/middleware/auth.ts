import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { loadApiToken, loadSession, type Role } from '../../auth/index.js';
import type { Sql } from '../../db/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'shosho_session';

/** Sets the principal from the session cookie, when there is a live session. */
export function sessionPrincipal(sql: Sql): MiddlewareHandler<AppEnv> {
  return async function loadPrincipalFromSession(c, next) {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) c.set('principal', await loadSession(sql, id));
    await next();
  };
}

/** Pages for signed-in people: a visitor is sent to the login page, a wrong role gets 403. */
export function requireSession(roles?: readonly Role[]): MiddlewareHandler<AppEnv> {
  return async function requireSignedIn(c, next) {
    const p = c.get('principal');
    if (p?.kind !== 'session') {
      if (c.req.method === 'GET') return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      throw new AppError('unauthorized', 401);
    }
    if (roles && !roles.includes(p.role as Role)) throw new AppError('forbidden', 403);
    await next();
  };
}

/** The JSON API: `Authorization: Bearer <API token>` or 401. */
export function requireApiToken(sql: Sql): MiddlewareHandler<AppEnv> {
  return async function requireBearer(c, next) {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const principal = token ? await loadApiToken(sql, token) : null;
    if (!principal) throw new AppError('unauthorized', 401, undefined, { 'www-authenticate': 'Bearer realm="shosho"' });
    c.set('principal', principal);
    await next();
  };
}

/**
 * Every state-changing form carries the session's CSRF token as `_csrf`; a cross-origin Origin
 * header is refused outright. Applies to sessions only: the API authenticates each request.
 */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async function checkCsrf(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const origin = c.req.header('origin');
    // "null" is what a browser sends under a no-referrer policy: the token below still decides
    if (origin && origin !== 'null' && originHost(origin) !== c.req.header('host')) throw new AppError('csrf_failed', 403);
    const p = c.get('principal');
    const expected = p?.kind === 'session' ? p.csrfToken : getCookie(c, PRE_SESSION_CSRF_COOKIE);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const given = typeof form._csrf === 'string' ? form._csrf : c.req.header('x-csrf-token');
    if (!expected || !given || !safeEqual(expected, given)) throw new AppError('csrf_failed', 403);
    await next();
  };
}

/** Before sign-in there is no session: the login form pairs a cookie with a hidden field. */
export const PRE_SESSION_CSRF_COOKIE = 'shosho_csrf';

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
