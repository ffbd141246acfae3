import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import { sha256Hex } from '../domain/index.js';
import type { Principal, Role } from './principal.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** last_seen_at is written at most this often, not on every request */
const TOUCH_EVERY_MS = 60_000;

/** A new session with a new id (never one the browser brought: no fixation). Returns the cookie value. */
export async function createSession(db: Queryable, userId: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  await db`insert into sessions (id_hash, user_id, csrf_token, expires_at)
           values (${sha256Hex(id)}, ${userId}, ${csrf}, now() + make_interval(secs => ${SESSION_ABSOLUTE_MS / 1000}))`;
  return id;
}

/** The principal behind a session cookie, or null when unknown, ended, idle too long or past its end. */
export async function loadSession(db: Queryable, id: string, now = new Date()): Promise<Principal | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const [row] = await db<
    Array<{
      id_hash: string;
      csrf_token: string;
      last_seen_at: Date;
      expires_at: Date;
      ended_at: Date | null;
      user_id: string;
      username: string;
      role: Role;
      org_id: string;
      org_name: string;
      disabled_at: Date | null;
      open_alerts: number;
    }>
  >`
    select s.id_hash, s.csrf_token, s.last_seen_at, s.expires_at, s.ended_at, u.id as user_id, u.username, u.role,
           u.org_id, o.name as org_name, u.disabled_at,
           (select count(*)::int from alerts a where a.org_id = u.org_id and a.resolved_at is null) as open_alerts
    from sessions s join users u on u.id = s.user_id join organisations o on o.id = u.org_id
    where s.id_hash = ${sha256Hex(id)}`;
  if (!row || row.ended_at || row.disabled_at) return null;
  if (row.expires_at <= now || now.getTime() - row.last_seen_at.getTime() > SESSION_IDLE_MS) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await db`update sessions set last_seen_at = ${now} where id_hash = ${row.id_hash}`;
  }
  return {
    kind: 'session',
    orgId: row.org_id,
    orgName: row.org_name,
    actor: row.username,
    role: row.role,
    username: row.username,
    userId: row.user_id,
    sessionId: row.id_hash,
    csrfToken: row.csrf_token,
    openAlerts: row.open_alerts,
  };
}

export async function endSession(db: Queryable, sessionIdHash: string): Promise<void> {
  await db`update sessions set ended_at = now() where id_hash = ${sessionIdHash} and ended_at is null`;
}

/** Ends the session a cookie names, if any: used at login so no earlier session outlives it. */
export function endSessionByCookie(db: Queryable, cookieValue: string): Promise<void> {
  return endSession(db, sha256Hex(cookieValue));
}

/** The organisation behind an API token, or null. */
export async function loadApiToken(db: Queryable, token: string): Promise<Principal | null> {
  if (!/^shosho_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await db<{ id: string; org_id: string; org_name: string }[]>`
    select t.id, t.org_id, o.name as org_name from api_tokens t join organisations o on o.id = t.org_id
    where t.token_hash = ${sha256Hex(token)} and t.revoked_at is null`;
  if (!row) return null;
  return {
    kind: 'token',
    orgId: row.org_id,
    orgName: row.org_name,
    actor: `token:${row.id}`,
    role: 'api',
    username: null,
    userId: null,
    sessionId: null,
    csrfToken: null,
  };
}
