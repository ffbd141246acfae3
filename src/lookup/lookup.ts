import { appendAudit, recordAudit, type NewAuditEntry } from '../auditlog/index.js';
import { answersFor, BUSY_RETRY_AFTER_SECONDS, recordFailure, releaseAttempt, reserveAttempt, ScryptBusyError, type ScryptPool } from '../auth/index.js';
import type { Sql } from '../db/index.js';
import { parseAuthKey, parseNumber } from '../domain/index.js';
import { checkKey, PAD, type Candidate } from './key-check.js';

/** SPEC §3: 5 failed lookups of one number by one organisation within 15 minutes lock it. */
export const NUMBER_LOCKOUT = { limit: 5, windowMs: 15 * 60_000 };
/** On top: failed lookups from one client address, whatever the number. */
export const CLIENT_LIMIT = { limit: 30, windowMs: 15 * 60_000 };
const NUMBER_SCOPE = 'lookup-number';
const CLIENT_SCOPE = 'lookup-client';

export interface LookupRequest {
  orgId: string;
  actor: string;
  number: string;
  authKey: string;
  client: string;
  requestId?: string;
}

export type LookupResult =
  | { status: 'ok'; revisionId: string }
  | { status: 'malformed'; fields: Array<'number' | 'authKey'> }
  | { status: 'not_found' }
  | { status: 'locked'; retryAfterSeconds: number; by: 'number' | 'client' }
  | { status: 'other_obligee' }
  /** too busy to check the key now: nothing was counted */
  | { status: 'busy'; retryAfterSeconds: number };

/**
 * Number + auth key → an unlocked revision. Malformed input is refused before anything counts;
 * a locked number answers 429 even to the right key. Each attempt is reserved, for the number and
 * for the client, under a lock before the key is checked, so concurrent guesses cannot slip past
 * either limit; a wrong key turns the reservation into a failure, a right key or a busy answer
 * gives it back, and one never decided expires by itself. A wrong key always costs the same work
 * (key-check.ts), so neither the answer nor its time tells an unknown number from a wrong key.
 */
export function createLookup(deps: { sql: Sql; pool: ScryptPool }) {
  const { sql, pool } = deps;
  const busy = { status: 'busy' as const, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS };

  return async function lookup(req: LookupRequest): Promise<LookupResult> {
    const number = parseNumber(req.number);
    const key = parseAuthKey(req.authKey);
    if (!number.ok || !key.ok) {
      return { status: 'malformed', fields: [...(number.ok ? [] : ['number' as const]), ...(key.ok ? [] : ['authKey' as const])] };
    }
    const entry = (outcome: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
      action: 'lookup',
      outcome,
      actor: req.actor,
      orgId: req.orgId,
      client: req.client,
      requestId: req.requestId,
      number: number.value,
      ...extra,
    });
    if (!pool.hasRoom('lookup')) return busy;

    const reservation = await reserveAttempt(sql, [
      { scope: NUMBER_SCOPE, subject: `${req.orgId}:${number.value}`, ...NUMBER_LOCKOUT },
      { scope: CLIENT_SCOPE, subject: req.client, ...CLIENT_LIMIT },
    ]);
    if (reservation.status === 'locked') {
      const by = reservation.scope === NUMBER_SCOPE ? 'number' : 'client';
      await recordAudit(sql, [entry('locked', { detail: { retryAfterSeconds: reservation.retryAfterSeconds, by } })]);
      return { status: 'locked', retryAfterSeconds: reservation.retryAfterSeconds, by };
    }
    if (reservation.status === 'busy') return reservation;
    const { ids } = reservation;

    let match: Candidate | undefined;
    try {
      const candidates = await sql<Candidate[]>`
        select id, auth_key_digest, obligee_code, obligee_name from certificate_revisions
        where number = ${number.value} order by revision desc, id`;
      match = await pool.run('lookup', (derive) => checkKey(derive, (params) => pool.relativeCost(params, PAD), key.value, candidates));
    } catch (e) {
      await releaseAttempt(sql, ids).catch(() => {}); // else it expires by itself
      if (e instanceof ScryptBusyError) return busy;
      throw e;
    }
    if (!match) {
      await sql.begin(async (tx) => {
        await recordFailure(tx, ids);
        await appendAudit(tx, [entry('failure', { detail: { reason: 'unknown number or wrong key' } })]);
      });
      return { status: 'not_found' };
    }
    const found = match;
    const ours = await answersFor(sql, req.orgId, { code: found.obligee_code, name: found.obligee_name });
    await sql.begin(async (tx) => {
      await releaseAttempt(tx, ids);
      if (ours) {
        await tx`insert into unlocks (org_id, revision_id, unlocked_by) values (${req.orgId}, ${found.id}, ${req.actor}) on conflict do nothing`;
      }
      await appendAudit(tx, [entry(ours ? 'success' : 'other_obligee', { subject: found.id, detail: ours ? {} : { obligee: found.obligee_name } })]);
    });
    return ours ? { status: 'ok', revisionId: found.id } : { status: 'other_obligee' };
  };
}
export type Lookup = ReturnType<typeof createLookup>;
