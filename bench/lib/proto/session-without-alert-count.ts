/**
 * loadSession() as it was before the open-alert count joined its query (src/auth/sessions.ts before
 * this change), loaded only by benchmarks (see register.ts): every page then counts the open alerts
 * in a query of its own (src/web/routes/alerts.ts openAlertCount).
 */
import { sha256 } from '../../../src/auth/orgs.js';
import type { Principal, Role } from '../../../src/auth/principal.js';
import { SESSION_IDLE_MS } from '../../../src/auth/sessions.js';
import type { Queryable } from '../../../src/db/index.js';

export * from '../../../src/auth/sessions.js';

/** as in src/auth/sessions.ts */
const TOUCH_EVERY_MS = 60_000;

export async function loadSession(db: Queryable, id: string, now = new Date()): Promise<Principal | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const [row] = await db<Array<{
    id_hash: string; csrf_token: string; last_seen_at: Date; expires_at: Date; ended_at: Date | null;
    user_id: string; username: string; role: Role; org_id: string; org_name: string; disabled_at: Date | null;
  }>>`
    select s.id_hash, s.csrf_token, s.last_seen_at, s.expires_at, s.ended_at, u.id as user_id, u.username, u.role,
           u.org_id, o.name as org_name, u.disabled_at
    from sessions s join users u on u.id = s.user_id join organisations o on o.id = u.org_id
    where s.id_hash = ${sha256(id)}`;
  if (!row || row.ended_at || row.disabled_at) return null;
  if (row.expires_at <= now || now.getTime() - row.last_seen_at.getTime() > SESSION_IDLE_MS) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await db`update sessions set last_seen_at = ${now} where id_hash = ${row.id_hash}`;
  }
  return {
    kind: 'session', orgId: row.org_id, orgName: row.org_name, actor: row.username, role: row.role, username: row.username,
    userId: row.user_id, sessionId: row.id_hash, csrfToken: row.csrf_token,
  };
}
