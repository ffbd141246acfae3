/**
 * The certificate read model as it was before it became one statement (src/lookup/read-model.ts
 * before this change: the revision, its siblings and the status facts in three queries, nothing of
 * the previous revision or the archive), loaded only by benchmarks (see register.ts) to measure
 * that change in the same run.
 */
import type { CertificateRecord } from '../../../src/lookup/read-model.js';
import type { Queryable } from '../../../src/db/index.js';
import type { PublicPayload, RevisionType } from '../../../src/domain/index.js';
import { revisionFacts, statusAmong } from '../../../src/feed/index.js';

type RevisionRow = { id: string; revision: number; revision_type: RevisionType; issued_on: string; unlocked: boolean };

/**
 * A revision as the organisation may see it: only when the organisation unlocked it with its key
 * (null otherwise, whatever the reason, so a guessed id reveals nothing). Its status is derived
 * from every revision and withdrawal of the same certificate.
 */
export async function loadCertificate(db: Queryable, orgId: string, revisionId: string): Promise<CertificateRecord | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(revisionId)) return null;
  const [row] = await db<Array<{
    id: string; issuer_id: string; issuer_name: string; iss: string; number: string; kind: string; payload: PublicPayload;
    kid: string; alg: string; verified_at: Date; received_at: Date; jws_sha256: string; via: 'push' | 'poll'; jws: string; unlocked_at: Date;
  }>>`
    select r.id, r.issuer_id, i.name as issuer_name, i.iss, r.number, r.kind, r.payload, s.kid, s.alg, s.verified_at, s.received_at,
           s.jws_sha256, s.via, s.jws, u.unlocked_at
    from unlocks u
    join certificate_revisions r on r.id = u.revision_id
    join received_sets s on s.id = r.set_id
    join issuers i on i.id = r.issuer_id
    where u.org_id = ${orgId} and u.revision_id = ${revisionId}`;
  if (!row) return null;
  const siblings = await db<RevisionRow[]>`
    select r.id, r.revision, r.revision_type, to_char(r.issued_on, 'YYYY-MM-DD') as issued_on, (u.revision_id is not null) as unlocked
    from certificate_revisions r
    left join unlocks u on u.revision_id = r.id and u.org_id = ${orgId}
    where r.issuer_id = ${row.issuer_id} and r.number = ${row.number} and r.kind = ${row.kind}
    order by r.revision`;
  const facts = await revisionFacts(db, { issuerId: row.issuer_id, number: row.number, kind: row.kind });
  const statusOf = (revision: number) => statusAmong(facts, revision)!;
  const revisions = siblings.map((s) => ({
    id: s.id, revision: s.revision, revisionType: s.revision_type, issuedOn: s.issued_on, status: statusOf(s.revision).status, unlocked: s.unlocked,
  }));
  return {
    id: row.id,
    issuer: { id: row.issuer_id, name: row.issuer_name, iss: row.iss },
    payload: row.payload,
    status: statusOf(row.payload.revision),
    verification: { alg: row.alg, kid: row.kid, verifiedAt: row.verified_at, receivedAt: row.received_at, jwsSha256: row.jws_sha256, via: row.via },
    jws: row.jws,
    revisions,
    unlockedAt: row.unlocked_at,
    previous: null,
    archived: null,
  };
}
