import { Hono, type MiddlewareHandler } from 'hono';
import type { Role } from '../../auth/index.js';
import type { Sql } from '../../db/index.js';
import type { AppEnv } from '../env.js';
import { csrfProtection, requireSession, sessionPrincipal } from '../middleware/auth.js';
import { openAlertCount } from '../middleware/open-alerts.js';

/** Paths of pages for signed-in people, with the roles each admits (all roles when absent). */
const PAGES: Array<{ paths: string[]; roles?: Role[] }> = [
  { paths: ['/', '/lookup', '/certificates/*', '/archive', '/archive/*', '/archive.csv', '/contracts', '/contracts/*'] },
  { paths: ['/notices', '/lookup/batch', '/lookup/batch/archive'] },
  { paths: ['/audit', '/audit/*', '/audit.csv'], roles: ['auditor', 'admin'] },
  { paths: ['/alerts', '/alerts/*'] },
  { paths: ['/webhooks'], roles: ['admin'] },
];

/**
 * Everything a browser reaches: the session is read on every page, pages need a signed-in person
 * of the right role, and every state-changing form needs its CSRF token. Middleware is bound to
 * these paths only, so /sets, /api and /healthz never see session cookies.
 */
export function browserRoutes(sql: Sql, ...routers: Hono<AppEnv>[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const session = sessionPrincipal(sql);
  const alertCount = openAlertCount(sql);
  for (const path of ['/login', '/logout', ...PAGES.flatMap((p) => p.paths)]) app.use(path, session);
  for (const page of PAGES) {
    const guard: MiddlewareHandler<AppEnv>[] = [requireSession(page.roles), csrfProtection()];
    for (const path of page.paths) app.use(path, ...guard, alertCount);
  }
  for (const r of routers) app.route('/', r);
  return app;
}
