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
  constructor(readonly description: string, readonly existingSetId: string, readonly identity: string) {
    super(description);
  }
}

/**
 * Stores verified SETs in one transaction, each in a savepoint: the SET byte for byte with its
 * SHA-256, header and claims, then the revision or withdrawal it carries. The same jti again is a
 * no-op; the same identity with other content is refused, recorded, and never overwrites.
 * Each outcome is one audit entry, committed with it.
 */
export async function ingest(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  if (sets.length === 0) return [];
  return sql.begin(async (tx) => {
    const outcomes: IngestOutcome[] = [];
    for (const set of sets) {
      try {
        outcomes.push(await tx.savepoint((sp) => ingestOne(sp, set, via)));
      } catch (e) {
        if (!(e instanceof Conflict)) {
          outcomes.push(failedOutcome(e));
          continue;
        }
        await tx`
          insert into ingest_conflicts (issuer_id, jti, jws, jws_sha256, identity, existing_set_id, via)
          values (${set.issuer.id}, ${set.jti}, ${set.jws}, ${set.jwsSha256}, ${e.identity}, ${e.existingSetId}, ${via})`;
        outcomes.push({ status: 'conflict', description: e.description });
      }
    }
    await appendAudit(tx, sets.flatMap((set, i) => (outcomes[i]!.status === 'unavailable' ? [] : [ingestAuditEntry(set, via, outcomes[i]!)])));
    await raiseIngestAlerts(tx, sets.filter((_, i) => outcomes[i]!.status === 'stored'));
    return outcomes;
  });
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
      via, jti: set.jti, event: set.event.type, kind, revision, jwsSha256: set.jwsSha256,
      ...(outcome.status === 'conflict' || outcome.status === 'unstorable' ? { reason: outcome.description } : {}),
    },
  };
}
