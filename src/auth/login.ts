import type { Sql } from '../db/index.js';
import { makeDummyDigest, verifyPassword } from './passwords.js';
import { ScryptBusyError, type ScryptPool } from './scrypt-pool.js';
import { createSession } from './sessions.js';
import { recordFailure, releaseAttempt, reserveAttempt, type Window } from './throttle.js';

export const LOGIN_USER_LIMIT = { limit: 5, windowMs: 15 * 60_000 };
export const LOGIN_CLIENT_LIMIT = { limit: 30, windowMs: 15 * 60_000 };
/** What a busy answer asks the client to wait, in seconds. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

export type LoginResult =
  | { ok: true; sessionId: string; userId: string; username: string; orgId: string }
  | { ok: false; reason: 'invalid' | 'locked' | 'busy'; retryAfterSeconds?: number };

/**
 * Checks a username and password with throttling per user and per client. Each attempt is reserved
 * in both windows before the password is checked, so concurrent guesses cannot exceed the limits.
 * An unknown or disabled user costs one dummy scrypt, so the answer and its timing match a wrong
 * password. When the key checks are saturated the answer is busy and nothing counts.
 */
export function createLogin(sql: Sql, pool: ScryptPool) {
  let dummy: Promise<string> | null = null;
  return async function login(username: string, password: string, client: string): Promise<LoginResult> {
    const busy = { ok: false as const, reason: 'busy' as const, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS };
    if (!pool.hasRoom('login')) return busy;
    const reservation = await reserveAttempt(sql, [
      { scope: 'login-user', subject: username.toLowerCase(), ...LOGIN_USER_LIMIT },
      { scope: 'login-client', subject: client, ...LOGIN_CLIENT_LIMIT },
    ] satisfies Window[]);
    if (reservation.status !== 'reserved') {
      return { ok: false, reason: reservation.status, retryAfterSeconds: reservation.retryAfterSeconds };
    }
    const { ids } = reservation;
    let user: { id: string; username: string; org_id: string; password_hash: string } | undefined;
    let ok: boolean;
    try {
      [user] = await sql<{ id: string; username: string; org_id: string; password_hash: string }[]>`
        select id, username, org_id, password_hash from users where lower(username) = ${username.toLowerCase()} and disabled_at is null`;
      // a dummy that could not be made (the key checks were busy) is made again by the next sign-in, not kept failed
      dummy ??= makeDummyDigest(pool, 15).catch((error: unknown) => {
        dummy = null;
        throw error;
      });
      const digest = user?.password_hash ?? (await dummy);
      ok = await pool.run('login', (derive) => verifyPassword(derive, password, digest));
    } catch (e) {
      await releaseAttempt(sql, ids).catch(() => {}); // else it expires by itself
      if (e instanceof ScryptBusyError) return busy;
      throw e;
    }
    if (!user || !ok) {
      await recordFailure(sql, ids);
      return { ok: false, reason: 'invalid' };
    }
    const found = user;
    const sessionId = await sql.begin(async (tx) => {
      await releaseAttempt(tx, ids);
      return createSession(tx, found.id);
    });
    return { ok: true, sessionId, userId: found.id, username: found.username, orgId: found.org_id };
  };
}
export type Login = ReturnType<typeof createLogin>;
