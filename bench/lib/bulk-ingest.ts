/**
 * A PROTOTYPE, used only by bench/ingest.ts to measure a proposed change to src/feed/ingest.ts:
 * set-based ingest. In the common case (every SET new) a group is stored with one multi-row insert
 * per table instead of savepoint + insert + insert + release per SET; when any row is not inserted
 * (a duplicate jti, a duplicate or conflicting identity) the transaction is rolled back and the
 * group goes through today's ingest(), SET by SET, so outcomes and stored rows are the same.
 * The real change would live in ingest.ts and fall back to its ingestOne() inside the same transaction.
 */
import { appendAudit, type NewAuditEntry } from '../../src/auditlog/index.js';
import type { Sql } from '../../src/db/index.js';
import { CERTIFICATE_EVENT } from '../../src/domain/index.js';
import { ingest, type IngestOutcome, type VerifiedSet, type Via } from '../../src/feed/index.js';

type Ingest = (sql: Sql, sets: readonly VerifiedSet[], via: Via) => Promise<IngestOutcome[]>;

class Fallback extends Error {}

export function bulkIngest(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  return bulkIngestWith(ingest, sql, sets, via);
}

/** The same, falling back to `fallback` (today's ingest) SET by SET. */
export async function bulkIngestWith(fallback: Ingest, sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  if (sets.length === 0) return [];
  try {
    return await sql.begin(async (tx) => {
      const received = await tx<{ id: string; jti: string; issuer_id: string }[]>`
        insert into received_sets ${tx(sets.map((s) => ({
          issuer_id: s.issuer.id, jti: s.jti, jws: s.jws, jws_sha256: s.jwsSha256, header: tx.json(s.header as never), claims: tx.json(s.claims as never),
          event_type: s.event.type, kid: s.key.kid, alg: s.key.alg, via, verified_at: s.verifiedAt,
        })))}
        on conflict (issuer_id, jti) do nothing
        returning id, jti, issuer_id`;
      if (received.length !== sets.length) throw new Fallback();
      const idOf = new Map(received.map((r) => [`${r.issuer_id}\u0000${r.jti}`, r.id]));
      const setId = (s: VerifiedSet) => idOf.get(`${s.issuer.id}\u0000${s.jti}`)!;
      const revisions = sets.filter((s) => s.event.type === CERTIFICATE_EVENT);
      const withdrawals = sets.filter((s) => s.event.type !== CERTIFICATE_EVENT);
      if (revisions.length) {
        const rows = await tx`
          insert into certificate_revisions ${tx(revisions.map((s) => {
            const { authKeyDigest, ...payload } = s.event.payload as Record<string, any>;
            const p = s.event.payload as Record<string, any>;
            return {
              issuer_id: s.issuer.id, number: p.number, kind: p.kind, revision: p.revision, revision_type: p.revisionType, issued_on: p.issuedOn,
              payload: tx.json(payload as never), auth_key_digest: authKeyDigest, obligee_code: p.obligee.code ?? null, obligee_name: p.obligee.name, set_id: setId(s),
            };
          }))}
          on conflict (issuer_id, number, kind, revision) do nothing
          returning id`;
        if (rows.length !== revisions.length) throw new Fallback();
      }
      if (withdrawals.length) {
        const rows = await tx`
          insert into withdrawals ${tx(withdrawals.map((s) => {
            const w = s.event.payload as Record<string, any>;
            return { issuer_id: s.issuer.id, number: w.number, kind: w.kind, revision: w.revision, reason: w.reason, withdrawn_on: w.withdrawnOn, set_id: setId(s) };
          }))}
          on conflict (issuer_id, number, kind, revision) do nothing
          returning set_id`;
        if (rows.length !== withdrawals.length) throw new Fallback();
      }
      const outcomes: IngestOutcome[] = sets.map((s) => ({ status: 'stored', setId: setId(s) }));
      await appendAudit(tx, sets.map((s): NewAuditEntry => {
        const { number, kind, revision } = s.event.payload as Record<string, any>;
        return {
          action: 'feed.ingest', outcome: 'stored', actor: `issuer:${s.issuer.id}`, number,
          detail: { via, jti: s.jti, event: s.event.type, kind, revision, jwsSha256: s.jwsSha256 },
        };
      }));
      return outcomes;
    });
  } catch (e) {
    if (e instanceof Fallback) return fallback(sql, sets, via);
    throw e;
  }
}
