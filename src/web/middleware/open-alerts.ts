import type { MiddlewareHandler } from 'hono';
import { countOpenAlerts } from '../../alerts/index.js';
import type { Sql } from '../../db/index.js';
import type { AppEnv } from '../env.js';

/** Every signed-in page's header shows how many alerts are open. */
export function openAlertCount(sql: Sql): MiddlewareHandler<AppEnv> {
  return async function countOpen(c, next) {
    const p = c.get('principal');
    if (p?.kind === 'session') c.set('openAlerts', p.openAlerts ?? (await countOpenAlerts(sql, p.orgId)));
    await next();
  };
}
