import type { WithdrawalReason } from './event.js';

/** What is known of one revision of one certificate (issuer, number, kind). */
export interface RevisionFacts {
  revision: number;
  issuedOn: string;
  withdrawal: { reason: WithdrawalReason; withdrawnOn: string } | null;
}

export type RevisionStatus =
  | { status: 'current' }
  | { status: 'superseded'; supersededBy: { revision: number; issuedOn: string } }
  | { status: 'withdrawn'; withdrawal: { reason: WithdrawalReason; withdrawnOn: string } };

/**
 * SPEC §2: withdrawn when a withdrawal covers it (its own, or a `cancelled` of any revision, which ends
 * the whole guarantee); else superseded when a higher revision exists that was not issued in error;
 * else current. `supersededBy` names the highest such revision: the one a clerk should ask for.
 */
export function revisionStatus(target: RevisionFacts, all: readonly RevisionFacts[]): RevisionStatus {
  if (target.withdrawal) return { status: 'withdrawn', withdrawal: target.withdrawal };
  const cancellation = all.find((r) => r.withdrawal?.reason === 'cancelled');
  if (cancellation?.withdrawal) return { status: 'withdrawn', withdrawal: cancellation.withdrawal };
  const next = all.filter((r) => r.revision > target.revision && r.withdrawal?.reason !== 'issued_in_error').sort((a, b) => b.revision - a.revision)[0];
  return next ? { status: 'superseded', supersededBy: { revision: next.revision, issuedOn: next.issuedOn } } : { status: 'current' };
}
