import { appendAudit, recordAudit, type NewAuditEntry } from '../auditlog/index.js';
import { answersFor, lockState, makeDummyDigest, verifyScrypt, type ScryptPool } from '../auth/index.js';
import type { Sql } from '../db/index.js';
import { parseAuthKey, parseNumber } from '../domain/index.js';

/** SPEC §3: 5 failed lookups of one number by one organisation within 15 minutes lock it. */
export const NUMBER_LOCKOUT = { limit: 5, windowMs: 15 * 60_000 };
/** On top: failed lookups from one client address, whatever the number. */
export const CLIENT_LIMIT = { limit: 30, windowMs: 15 * 60_000 };
const NUMBER_SCOPE = 'lookup-number';
const CLIENT_SCOPE = 'lookup-client';
/** the most common digest cost in the feed; a dummy check for an unknown number uses it */
const DUMMY_LN = 15;

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
  | { status: 'other_obligee' };

interface Candidate {
  id: string;
  auth_key_digest: string;
  obligee_code: string | null;
  obligee_name: string;
}

/**
 * Number + auth key → an unlocked revision. Malformed input is refused before anything counts;
 * a locked number answers 429 even to the right key; an unknown number costs one dummy scrypt so
 * it answers like a wrong key. Each attempt is reserved as a failure under a per-number lock
 * before the key is checked, so concurrent guesses cannot slip past the limit.
 */
export function createLookup(deps: { sql: Sql; pool: ScryptPool }) {
  const { sql, pool } = deps;
  let dummy: Promise<string> | null = null;

  return async function lookup(req: LookupRequest): Promise<LookupResult> {
    const number = parseNumber(req.number);
    const key = parseAuthKey(req.authKey);
    if (!number.ok || !key.ok) {
      return { status: 'malformed', fields: [...(number.ok ? [] : ['number' as const]), ...(key.ok ? [] : ['authKey' as const])] };
    }
    const entry = (outcome: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
      action: 'lookup', outcome, actor: req.actor, orgId: req.orgId, client: req.client, requestId: req.requestId, number: number.value, ...extra,
    });

    const subject = `${req.orgId}:${number.value}`;
    const reservation = await reserveAttempt(sql, subject, req.client);
    if (!reservation.ok) {
      await recordAudit(sql, [entry('locked', { detail: { retryAfterSeconds: reservation.retryAfterSeconds, by: reservation.by } })]);
      return { status: 'locked', retryAfterSeconds: reservation.retryAfterSeconds, by: reservation.by };
    }
    const candidates = await sql<Candidate[]>`
      select id, auth_key_digest, obligee_code, obligee_name from certificate_revisions
      where number = ${number.value} order by revision desc, id`;
    let match: Candidate | undefined;
    if (candidates.length === 0) {
      dummy ??= makeDummyDigest(pool, DUMMY_LN);
      await verifyScrypt(pool, key.value, await dummy);
    }
    for (const c of candidates) {
      if (await verifyScrypt(pool, key.value, c.auth_key_digest)) {
        match = c;
        break;
      }
    }
    if (!match) {
      await sql.begin(async (tx) => {
        await tx`insert into attempt_failures (scope, subject) values (${CLIENT_SCOPE}, ${req.client})`;
        await appendAudit(tx, [entry('failure', { detail: { reason: 'unknown number or wrong key' } })]);
      });
      return { status: 'not_found' };
    }
    const found = match;
    const ours = await answersFor(sql, req.orgId, { code: found.obligee_code, name: found.obligee_name });
    await sql.begin(async (tx) => {
      await tx`delete from attempt_failures where id = ${reservation.id}`;
      if (ours) {
        await tx`insert into unlocks (org_id, revision_id, unlocked_by) values (${req.orgId}, ${found.id}, ${req.actor}) on conflict do nothing`;
      }
      await appendAudit(tx, [entry(ours ? 'success' : 'other_obligee', { subject: found.id, detail: ours ? {} : { obligee: found.obligee_name } })]);
    });
    return ours ? { status: 'ok', revisionId: found.id } : { status: 'other_obligee' };
  };
}
export type Lookup = ReturnType<typeof createLookup>;

/**
 * Under a transaction lock on the (organisation, number), refuses when the number or the client is
 * locked, else records this attempt as a failure up front; a right key takes it back.
 */
async function reserveAttempt(sql: Sql, subject: string, client: string) {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`${NUMBER_SCOPE}:${subject}`}, 0))`;
    const byNumber = await lockState(tx, { scope: NUMBER_SCOPE, subject, ...NUMBER_LOCKOUT });
    if (byNumber.locked) return { ok: false as const, retryAfterSeconds: byNumber.retryAfterSeconds, by: 'number' as const };
    const byClient = await lockState(tx, { scope: CLIENT_SCOPE, subject: client, ...CLIENT_LIMIT });
    if (byClient.locked) return { ok: false as const, retryAfterSeconds: byClient.retryAfterSeconds, by: 'client' as const };
    const [row] = await tx<{ id: string }[]>`insert into attempt_failures (scope, subject) values (${NUMBER_SCOPE}, ${subject}) returning id`;
    return { ok: true as const, id: row!.id };
  });
}
