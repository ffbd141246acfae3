import type { Sql } from '../db/index.js';
import { makeDummyDigest, verifyPassword } from './passwords.js';
import type { ScryptPool } from './scrypt-pool.js';
import { createSession } from './sessions.js';
import { lockState, recordFailure, type Window } from './throttle.js';

export const LOGIN_USER_LIMIT = { limit: 5, windowMs: 15 * 60_000 };
export const LOGIN_CLIENT_LIMIT = { limit: 30, windowMs: 15 * 60_000 };

export type LoginResult =
  | { ok: true; sessionId: string; userId: string; username: string; orgId: string }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterSeconds?: number };

/**
 * Checks a username and password with throttling per user and per client. An unknown or disabled
 * user costs one dummy scrypt, so the answer and its timing match a wrong password.
 */
export function createLogin(sql: Sql, pool: ScryptPool) {
  let dummy: Promise<string> | null = null;
  return async function login(username: string, password: string, client: string): Promise<LoginResult> {
    const windows: Window[] = [
      { scope: 'login-user', subject: username.toLowerCase(), ...LOGIN_USER_LIMIT },
      { scope: 'login-client', subject: client, ...LOGIN_CLIENT_LIMIT },
    ];
    for (const w of windows) {
      const state = await lockState(sql, w);
      if (state.locked) return { ok: false, reason: 'locked', retryAfterSeconds: state.retryAfterSeconds };
    }
    const [user] = await sql<{ id: string; username: string; org_id: string; password_hash: string }[]>`
      select id, username, org_id, password_hash from users where lower(username) = ${username.toLowerCase()} and disabled_at is null`;
    dummy ??= makeDummyDigest(pool, 15);
    const ok = await verifyPassword(pool, password, user?.password_hash ?? (await dummy));
    if (!user || !ok) {
      await sql.begin(async (tx) => {
        for (const w of windows) await recordFailure(tx, w.scope, w.subject);
      });
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, sessionId: await createSession(sql, user.id), userId: user.id, username: user.username, orgId: user.org_id };
  };
}
export type Login = ReturnType<typeof createLogin>;
