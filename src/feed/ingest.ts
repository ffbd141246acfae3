import { isDeepStrictEqual } from 'node:util';
import { raiseIngestAlerts } from '../alerts/index.js';
import { appendAudit, type NewAuditEntry } from '../auditlog/index.js';
import type { Sql, Tx } from '../db/index.js';
import { CERTIFICATE_EVENT } from '../domain/index.js';
import type { VerifiedSet } from './verify.js';

export type Via = 'push' | 'poll';
export type IngestOutcome =
  | { status: 'stored'; setId: string }
  | { status: 'duplicate'; setId: string }
  | { status: 'conflict'; description: string }
  /** the database refused the SET's data itself (SQLSTATE class 22 or 23): proven unstorable */
  | { status: 'unstorable'; description: string }
  /** storing this one SET failed for another reason: not stored, to be delivered again */
  | { status: 'unavailable'; description: string };

class Conflict extends Error {
  constructor(
    readonly description: string,
    readonly existingSetId: string,
    readonly identity: string,
  ) {
    super(description);
  }
}

/**
 * Stores verified SETs in one transaction: each SET byte for byte with its SHA-256, header and
 * claims, then the revision or withdrawal it carries. The same jti again is a no-op; the same
 * identity with other content is refused, recorded, and never overwrites. Each outcome is one
 * audit entry, committed with it, and alerts are raised in the same transaction.
 *
 * SETs whose rows are all new are stored set-based, one statement per table for the whole group;
 * every other SET (a duplicate, a conflict, a row the database refuses) then goes through the
 * per-SET path, which decides it exactly as if it had come alone.
 */
export function ingest(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  return ingestWith(sql, sets, via, true);
}

/**
 * The same, SET by SET only: what the set-based path must be indistinguishable from (the
 * equivalence test) and what it is measured against (bench/ingest.ts).
 */
export function ingestPerSet(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  return ingestWith(sql, sets, via, false);
}

async function ingestWith(sql: Sql, sets: readonly VerifiedSet[], via: Via, setBased: boolean): Promise<IngestOutcome[]> {
  if (sets.length === 0) return [];
  return sql.begin(async (tx) => {
    const outcomes: Array<IngestOutcome | undefined> = setBased ? await storeNew(tx, sets, via) : new Array(sets.length);
    for (const [i, set] of sets.entries()) {
      outcomes[i] ??= await ingestInSavepoint(tx, set, via);
    }
    const decided = outcomes as IngestOutcome[];
    const alertEntries = await raiseIngestAlerts(
      tx,
      sets.filter((_, i) => decided[i]!.status === 'stored'),
    );
    await appendAudit(tx, [
      ...sets.flatMap((set, i) => (decided[i]!.status === 'unavailable' ? [] : [ingestAuditEntry(set, via, decided[i]!)])),
      ...alertEntries,
    ]);
    return decided;
  });
}

async function ingestInSavepoint(tx: Tx, set: VerifiedSet, via: Via): Promise<IngestOutcome> {
  try {
    return await tx.savepoint((sp) => ingestOne(sp, set, via));
  } catch (e) {
    if (!(e instanceof Conflict)) return failedOutcome(e);
    await tx`
      insert into ingest_conflicts (issuer_id, jti, jws, jws_sha256, identity, existing_set_id, via)
      values (${set.issuer.id}, ${set.jti}, ${set.jws}, ${set.jwsSha256}, ${e.identity}, ${e.existingSetId}, ${via})`;
    return { status: 'conflict', description: e.description };
  }
}

/** Some of the group's rows were already stored: these SETs go to the per-SET path. */
class NotNew extends Error {
  constructor(readonly indices: readonly number[]) {
    super('not every row is new');
  }
}

const jtiKey = (issuerId: string, jti: string) => `${issuerId}\u0000${jti}`;
const identityKey = (table: string, issuerId: string, number: string, kind: string, revision: number) =>
  [table, issuerId, number, kind, revision].join('\u0000');
const identityOf = (s: VerifiedSet) =>
  identityKey(
    s.event.type === CERTIFICATE_EVENT ? 'revision' : 'withdrawal',
    s.issuer.id,
    s.event.payload.number,
    s.event.payload.kind,
    s.event.payload.revision,
  );

/**
 * Stores set-based the SETs that are the first of the group with their jti and their identity and
 * find no row stored under either; the outcome of each, by position (the others left undefined).
 * A SET after another with its jti or identity is decided per SET after it, as the per-SET path
 * would in that order. Rows found stored (by an earlier transaction or a concurrent one) undo the
 * attempt (a savepoint) and it is tried again without their SETs; any other failure leaves every
 * SET to the per-SET path, which tells a SET the database refuses from one it could not store now.
 */
async function storeNew(tx: Tx, sets: readonly VerifiedSet[], via: Via): Promise<Array<IngestOutcome | undefined>> {
  const outcomes = new Array<IngestOutcome | undefined>(sets.length);
  const seen = new Set<string>();
  let candidates: number[] = [];
  for (const [i, s] of sets.entries()) {
    const keys = [jtiKey(s.issuer.id, s.jti), identityOf(s)];
    if (keys.every((k) => !seen.has(k))) candidates.push(i);
    for (const k of keys) seen.add(k);
  }
  while (candidates.length > 0) {
    try {
      const setIds = await tx.savepoint((sp) => insertAllNew(sp, sets, candidates, via));
      candidates.forEach((i, k) => {
        outcomes[i] = { status: 'stored', setId: setIds[k]! };
      });
      return outcomes;
    } catch (e) {
      if (!(e instanceof NotNew)) return outcomes;
      const notNew = new Set(e.indices);
      candidates = candidates.filter((i) => !notNew.has(i));
    }
  }
  return outcomes;
}

/** One insert per table for the SETs at `indices`; their received_sets ids in that order, or NotNew. */
async function insertAllNew(sp: Tx, sets: readonly VerifiedSet[], indices: readonly number[], via: Via): Promise<string[]> {
  const group = indices.map((i) => sets[i]!);
  const received = await sp<{ id: string; issuer_id: string; jti: string }[]>`
    insert into received_sets ${sp(
      group.map((s) => ({
        issuer_id: s.issuer.id,
        jti: s.jti,
        jws: s.jws,
        jws_sha256: s.jwsSha256,
        header: sp.json(s.header as never),
        claims: sp.json(s.claims as never),
        event_type: s.event.type,
        kid: s.key.kid,
        alg: s.key.alg,
        via,
        verified_at: s.verifiedAt,
      })),
    )}
    on conflict (issuer_id, jti) do nothing
    returning id, issuer_id, jti`;
  const idOf = new Map(received.map((r) => [jtiKey(r.issuer_id, r.jti), r.id]));
  const stored = (s: VerifiedSet) => idOf.get(jtiKey(s.issuer.id, s.jti));
  throwIfNotNew(indices.filter((_, k) => !stored(group[k]!)));
  const setIds = group.map((s) => stored(s)!);

  const revisions = indices.filter((_, k) => group[k]!.event.type === CERTIFICATE_EVENT);
  if (revisions.length > 0) {
    const inserted = await sp<{ issuer_id: string; number: string; kind: string; revision: number }[]>`
      insert into certificate_revisions ${sp(
        revisions.map((i) => {
          const s = sets[i]!;
          if (s.event.type !== CERTIFICATE_EVENT) throw new Error('not a certificate event');
          const { authKeyDigest, ...payload } = s.event.payload;
          const p = s.event.payload;
          return {
            issuer_id: s.issuer.id,
            number: p.number,
            kind: p.kind,
            revision: p.revision,
            revision_type: p.revisionType,
            issued_on: p.issuedOn,
            payload: sp.json(payload as never),
            auth_key_digest: authKeyDigest,
            obligee_code: p.obligee.code ?? null,
            obligee_name: p.obligee.name,
            set_id: stored(s)!,
          };
        }),
      )}
      on conflict (issuer_id, number, kind, revision) do nothing
      returning issuer_id, number, kind, revision`;
    const done = new Set(inserted.map((r) => identityKey('revision', r.issuer_id, r.number, r.kind, r.revision)));
    throwIfNotNew(revisions.filter((i) => !done.has(identityOf(sets[i]!))));
  }

  const withdrawals = indices.filter((_, k) => group[k]!.event.type !== CERTIFICATE_EVENT);
  if (withdrawals.length > 0) {
    const inserted = await sp<{ issuer_id: string; number: string; kind: string; revision: number }[]>`
      insert into withdrawals ${sp(
        withdrawals.map((i) => {
          const s = sets[i]!;
          if (s.event.type === CERTIFICATE_EVENT) throw new Error('not a withdrawal event');
          const w = s.event.payload;
          return {
            issuer_id: s.issuer.id,
            number: w.number,
            kind: w.kind,
            revision: w.revision,
            reason: w.reason,
            withdrawn_on: w.withdrawnOn,
            set_id: stored(s)!,
          };
        }),
      )}
      on conflict (issuer_id, number, kind, revision) do nothing
      returning issuer_id, number, kind, revision`;
    const done = new Set(inserted.map((r) => identityKey('withdrawal', r.issuer_id, r.number, r.kind, r.revision)));
    throwIfNotNew(withdrawals.filter((i) => !done.has(identityOf(sets[i]!))));
  }
  return setIds;
}

function throwIfNotNew(indices: readonly number[]): void {
  if (indices.length > 0) throw new NotNew(indices);
}

/**
 * One SET's failure inside its savepoint is that SET's, never the batch's: data the database
 * refuses is proven bad; anything else leaves it to be delivered again. A lost connection still
 * fails the whole transaction at its next statement.
 */
function failedOutcome(e: unknown): IngestOutcome {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  if ((e as Error).name === 'PostgresError' && typeof code === 'string' && /^2[23]/.test(code)) {
    return { status: 'unstorable', description: `the SET's content cannot be stored: ${message}` };
  }
  return { status: 'unavailable', description: `storing the SET failed: ${message}` };
}

async function ingestOne(tx: Tx, set: VerifiedSet, via: Via): Promise<IngestOutcome> {
  const [inserted] = await tx<{ id: string }[]>`
    insert into received_sets (issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
    values (${set.issuer.id}, ${set.jti}, ${set.jws}, ${set.jwsSha256}, ${tx.json(set.header as never)}, ${tx.json(set.claims as never)},
            ${set.event.type}, ${set.key.kid}, ${set.key.alg}, ${via}, ${set.verifiedAt})
    on conflict (issuer_id, jti) do nothing
    returning id`;
  if (!inserted) {
    const [existing] = await tx<{ id: string; jws_sha256: string }[]>`
      select id, jws_sha256 from received_sets where issuer_id = ${set.issuer.id} and jti = ${set.jti}`;
    if (existing!.jws_sha256 === set.jwsSha256) return { status: 'duplicate', setId: existing!.id };
    throw new Conflict(`jti ${set.jti} was already used by issuer ${set.issuer.id} for a different SET`, existing!.id, `jti ${set.jti}`);
  }
  return set.event.type === CERTIFICATE_EVENT ? storeRevision(tx, set, inserted.id) : storeWithdrawal(tx, set, inserted.id);
}

async function storeRevision(tx: Tx, set: VerifiedSet, setId: string): Promise<IngestOutcome> {
  if (set.event.type !== CERTIFICATE_EVENT) throw new Error('not a certificate event');
  const { authKeyDigest, ...payload } = set.event.payload;
  const p = set.event.payload;
  const [row] = await tx<{ id: string }[]>`
    insert into certificate_revisions
      (issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_code, obligee_name, set_id)
    values (${set.issuer.id}, ${p.number}, ${p.kind}, ${p.revision}, ${p.revisionType}, ${p.issuedOn}, ${tx.json(payload as never)},
            ${authKeyDigest}, ${p.obligee.code ?? null}, ${p.obligee.name}, ${setId})
    on conflict (issuer_id, number, kind, revision) do nothing
    returning id`;
  if (row) return { status: 'stored', setId };
  const [existing] = await tx<{ payload: unknown; auth_key_digest: string; set_id: string }[]>`
    select payload, auth_key_digest, set_id from certificate_revisions
    where issuer_id = ${set.issuer.id} and number = ${p.number} and kind = ${p.kind} and revision = ${p.revision}`;
  const identity = `${p.number} ${p.kind} revision ${p.revision}`;
  if (existing!.auth_key_digest === authKeyDigest && isDeepStrictEqual(existing!.payload, payload)) {
    return { status: 'duplicate', setId: existing!.set_id };
  }
  throw new Conflict(`certificate ${identity} is already stored with different content; send a new revision instead`, existing!.set_id, identity);
}

async function storeWithdrawal(tx: Tx, set: VerifiedSet, setId: string): Promise<IngestOutcome> {
  if (set.event.type === CERTIFICATE_EVENT) throw new Error('not a withdrawal event');
  const w = set.event.payload;
  const [row] = await tx`
    insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
    values (${set.issuer.id}, ${w.number}, ${w.kind}, ${w.revision}, ${w.reason}, ${w.withdrawnOn}, ${setId})
    on conflict (issuer_id, number, kind, revision) do nothing
    returning set_id`;
  if (row) return { status: 'stored', setId };
  const [existing] = await tx<{ reason: string; withdrawn_on: string; set_id: string }[]>`
    select reason, to_char(withdrawn_on, 'YYYY-MM-DD') as withdrawn_on, set_id from withdrawals
    where issuer_id = ${set.issuer.id} and number = ${w.number} and kind = ${w.kind} and revision = ${w.revision}`;
  if (existing!.reason === w.reason && existing!.withdrawn_on === w.withdrawnOn) return { status: 'duplicate', setId: existing!.set_id };
  const identity = `withdrawal of ${w.number} ${w.kind} revision ${w.revision}`;
  throw new Conflict(`${identity} is already stored with a different reason or date`, existing!.set_id, identity);
}

function ingestAuditEntry(set: VerifiedSet, via: Via, outcome: IngestOutcome): NewAuditEntry {
  const { number, kind, revision } = set.event.payload;
  return {
    action: 'feed.ingest',
    outcome: outcome.status,
    actor: `issuer:${set.issuer.id}`,
    number,
    detail: {
      via,
      jti: set.jti,
      event: set.event.type,
      kind,
      revision,
      jwsSha256: set.jwsSha256,
      ...(outcome.status === 'conflict' || outcome.status === 'unstorable' ? { reason: outcome.description } : {}),
    },
  };
}
