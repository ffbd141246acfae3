import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { recordUnauthenticatedAudit } from '../../auditlog/index.js';
import { recordSignIn, signOut, type Login } from '../../auth/index.js';
import { typedText } from '../../domain/index.js';
import type { Sql } from '../../db/index.js';
import type { Renderer, ViewData } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import { lockedUntil } from '../lookup-outcome.js';
import { csrfProtection, PRE_SESSION_CSRF_COOKIE, SESSION_COOKIE } from '../middleware/auth.js';
import { renderPage } from '../page.js';
import { requester } from '../requester.js';

const loginForm = z.object({
  username: typedText().trim().max(64).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2048).catch(''),
});
/** Only a local path: never an open redirect. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/');
/** The `next` the login form carries on: a safe one, else none. */
const keptNext = (next: string | undefined) => (next && safeNext(next) === next ? next : undefined);

export function sessionRoutes(deps: { sql: Sql; renderer: Renderer; login: Login; secureCookies: boolean }) {
  const app = new Hono<AppEnv>();
  const cookie = { path: '/', httpOnly: true, sameSite: 'Strict' as const, secure: deps.secureCookies };

  const loginPage = (c: Context<AppEnv>, data: ViewData['login'], status: 200 | 401 | 429 | 503 = 200) => {
    const token = getCookie(c, PRE_SESSION_CSRF_COOKIE) ?? randomBytes(32).toString('base64url');
    setCookie(c, PRE_SESSION_CSRF_COOKIE, token, { ...cookie, maxAge: 3600 });
    return renderPage(c, deps.renderer, 'login', data, status, token);
  };

  app.get('/login', (c) => {
    if (c.get('principal')?.kind === 'session') return c.redirect(safeNext(c.req.query('next')), 303);
    return loginPage(c, { next: keptNext(c.req.query('next')) });
  });

  app.post('/login', csrfProtection(), async (c) => {
    const form = loginForm.parse(await c.req.parseBody());
    const client = c.get('clientIp');
    const result = await deps.login(form.username, form.password, client);
    if (!result.ok) {
      if (result.reason === 'busy') {
        c.header('retry-after', String(result.retryAfterSeconds));
        return loginPage(
          c,
          { username: form.username, next: keptNext(form.next), errors: [{ code: 'busy', params: { seconds: result.retryAfterSeconds! } }] },
          503,
        );
      }
      const actor = form.username || '(empty)';
      const outcome = result.reason === 'locked' ? 'locked' : 'failure';
      await recordUnauthenticatedAudit(deps.sql, { action: 'login', outcome, actor, client, requestId: c.get('requestId') }, actor);
      if (result.reason === 'locked') {
        c.header('retry-after', String(result.retryAfterSeconds));
        return loginPage(
          c,
          {
            username: form.username,
            next: keptNext(form.next),
            errors: [{ code: 'login_locked', params: { until: lockedUntil(result.retryAfterSeconds!, c.get('lang')) } }],
          },
          429,
        );
      }
      return loginPage(c, { username: form.username, next: keptNext(form.next), errors: [{ code: 'login_failed' }] }, 401);
    }
    const old = getCookie(c, SESSION_COOKIE);
    await recordSignIn(deps.sql, { username: result.username, orgId: result.orgId, client, requestId: c.get('requestId') }, old);
    setCookie(c, SESSION_COOKIE, result.sessionId, cookie);
    deleteCookie(c, PRE_SESSION_CSRF_COOKIE, { path: '/' });
    return c.redirect(safeNext(form.next), 303);
  });

  app.post('/logout', csrfProtection(), async (c) => {
    const sessionId = c.get('principal')?.sessionId;
    if (!sessionId) throw new AppError('unauthorized', 401);
    await signOut(deps.sql, sessionId, requester(c));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  return app;
}
