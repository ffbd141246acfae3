import type { Queryable } from '../db/index.js';
import { revisionStatus, type RevisionFacts, type RevisionStatus, type WithdrawalReason } from '../domain/index.js';

export interface CertificateIdentity {
  issuerId: string;
  number: string;
  kind: string;
}

/**
 * Every revision and withdrawal known for one certificate, as the status rule reads them. A
 * withdrawal whose revision never arrived still counts: a cancellation ends every revision.
 */
export async function revisionFacts(db: Queryable, c: CertificateIdentity): Promise<RevisionFacts[]> {
  const rows = await db<{ revision: number; issued_on: string | null; reason: WithdrawalReason | null; withdrawn_on: string | null }[]>`
    select revision, to_char(r.issued_on, 'YYYY-MM-DD') as issued_on, w.reason, to_char(w.withdrawn_on, 'YYYY-MM-DD') as withdrawn_on
    from (select revision, issued_on from certificate_revisions where issuer_id = ${c.issuerId} and number = ${c.number} and kind = ${c.kind}) r
    full join (select revision, reason, withdrawn_on from withdrawals where issuer_id = ${c.issuerId} and number = ${c.number} and kind = ${c.kind}) w
      using (revision)
    order by revision`;
  return rows.map((r) => ({
    revision: r.revision,
    issuedOn: r.issued_on ?? '',
    withdrawal: r.reason ? { reason: r.reason, withdrawnOn: r.withdrawn_on! } : null,
  }));
}

/** The status of one revision among the facts (null when the revision is not among them). */
export function statusAmong(facts: readonly RevisionFacts[], revision: number): RevisionStatus | null {
  const target = facts.find((f) => f.revision === revision);
  return target ? revisionStatus(target, facts) : null;
}
