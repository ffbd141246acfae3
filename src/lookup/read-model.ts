import type { Queryable } from '../db/index.js';
import { revisionStatus, type PublicPayload, type RevisionFacts, type RevisionStatus, type RevisionType, type WithdrawalReason } from '../domain/index.js';

export interface RevisionSummary {
  id: string;
  revision: number;
  revisionType: RevisionType;
  issuedOn: string;
  status: RevisionStatus['status'];
  unlocked: boolean;
}

export interface CertificateRecord {
  id: string;
  issuer: { id: string; name: string; iss: string };
  payload: PublicPayload;
  status: RevisionStatus;
  verification: { alg: string; kid: string; verifiedAt: Date; receivedAt: Date; jwsSha256: string; via: 'push' | 'poll' };
  jws: string;
  revisions: RevisionSummary[];
  unlockedAt: Date;
  /**
   * The revision before this one, for a change or correction: its payload only when the
   * organisation unlocked it too (shosho shows nothing of a revision without its key).
   */
  previous: { revision: number; payload: PublicPayload | null } | null;
  /** The organisation's archive record of this revision, if it filed one. */
  archived: { id: string; archivedAt: Date; reference: string | null } | null;
}

type CertificateRow = {
  id: string;
  issuer_id: string;
  issuer_name: string;
  iss: string;
  payload: PublicPayload;
  kid: string;
  alg: string;
  verified_at: Date;
  received_at: Date;
  jws_sha256: string;
  via: 'push' | 'poll';
  jws: string;
  unlocked_at: Date;
  siblings: Array<{ id: string; revision: number; revisionType: RevisionType; issuedOn: string; unlocked: boolean }>;
  withdrawals: Array<{ revision: number; reason: WithdrawalReason; withdrawnOn: string }>;
  previous_payload: PublicPayload | null;
  archive_id: string | null;
  archived_at: Date | null;
  archive_reference: string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every revision and withdrawal of the certificate as the status rule reads them; a withdrawal
 * whose revision never arrived still counts, since a cancellation ends every revision.
 */
function factsOf(row: CertificateRow): RevisionFacts[] {
  const byRevision = new Map<number, RevisionFacts>();
  for (const s of row.siblings) byRevision.set(s.revision, { revision: s.revision, issuedOn: s.issuedOn, withdrawal: null });
  for (const w of row.withdrawals) {
    const known = byRevision.get(w.revision);
    byRevision.set(w.revision, { revision: w.revision, issuedOn: known?.issuedOn ?? '', withdrawal: { reason: w.reason, withdrawnOn: w.withdrawnOn } });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/**
 * A revision as the organisation may see it: only when the organisation unlocked it with its key
 * (null otherwise, whatever the reason, so a guessed id reveals nothing). Its status is derived
 * from every revision and withdrawal of the same certificate. One statement, one round trip: the
 * page reads it on every view.
 */
export async function loadCertificate(db: Queryable, orgId: string, revisionId: string): Promise<CertificateRecord | null> {
  if (!UUID.test(revisionId)) return null;
  const [row] = await db<CertificateRow[]>`
    select r.id, r.issuer_id, i.name as issuer_name, i.iss, r.payload, s.kid, s.alg, s.verified_at, s.received_at,
           s.jws_sha256, s.via, s.jws, u.unlocked_at,
           (select json_agg(json_build_object(
                     'id', x.id, 'revision', x.revision, 'revisionType', x.revision_type,
                     'issuedOn', to_char(x.issued_on, 'YYYY-MM-DD'), 'unlocked', xu.revision_id is not null) order by x.revision)
              from certificate_revisions x
              left join unlocks xu on xu.revision_id = x.id and xu.org_id = u.org_id
             where x.issuer_id = r.issuer_id and x.number = r.number and x.kind = r.kind) as siblings,
           (select coalesce(json_agg(json_build_object(
                     'revision', w.revision, 'reason', w.reason, 'withdrawnOn', to_char(w.withdrawn_on, 'YYYY-MM-DD'))), '[]')
              from withdrawals w
             where w.issuer_id = r.issuer_id and w.number = r.number and w.kind = r.kind) as withdrawals,
           (select p.payload
              from certificate_revisions p
              join unlocks pu on pu.revision_id = p.id and pu.org_id = u.org_id
             where p.issuer_id = r.issuer_id and p.number = r.number and p.kind = r.kind and p.revision = r.revision - 1) as previous_payload,
           a.id as archive_id, a.archived_at, a.reference as archive_reference
    from unlocks u
    join certificate_revisions r on r.id = u.revision_id
    join received_sets s on s.id = r.set_id
    join issuers i on i.id = r.issuer_id
    left join archive_records a on a.org_id = u.org_id and a.revision_id = r.id
    where u.org_id = ${orgId} and u.revision_id = ${revisionId}`;
  if (!row) return null;
  const facts = factsOf(row);
  const statusOf = (revision: number) => revisionStatus(facts.find((f) => f.revision === revision)!, facts);
  const revisions = row.siblings.map((s) => ({ ...s, status: statusOf(s.revision).status }));
  const { payload } = row;
  return {
    id: row.id,
    issuer: { id: row.issuer_id, name: row.issuer_name, iss: row.iss },
    payload,
    status: statusOf(payload.revision),
    verification: { alg: row.alg, kid: row.kid, verifiedAt: row.verified_at, receivedAt: row.received_at, jwsSha256: row.jws_sha256, via: row.via },
    jws: row.jws,
    revisions,
    unlockedAt: row.unlocked_at,
    previous: payload.revision > 0 ? { revision: payload.revision - 1, payload: row.previous_payload } : null,
    archived: row.archive_id ? { id: row.archive_id, archivedAt: row.archived_at!, reference: row.archive_reference } : null,
  };
}
