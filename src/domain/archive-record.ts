import type { Kind, RevisionType } from './event.js';
import type { RevisionStatus } from './status.js';

export type ArchiveStatus = RevisionStatus['status'];

/** One filed certificate revision (SPEC §4), as the organisation that filed it sees it. */
export interface ArchiveRecord {
  id: string;
  /** The certificate revision that was filed. */
  certificateId: string;
  number: string;
  kind: Kind;
  revision: number;
  revisionType: RevisionType;
  projectName: string;
  contractor: string;
  obligee: string;
  /** The issuer's display name. */
  issuer: string;
  /** The certificate's status today, not when it was filed. */
  status: ArchiveStatus;
  /** Its status when it was filed (not part of the SPEC §4 JSON). */
  statusWhenArchived: ArchiveStatus;
  archivedAt: Date;
  archivedBy: string;
  reference: string | null;
  memo: string | null;
  pdfSha256: string;
  jwsSha256: string;
  /** The reference of the ledger contract it is linked to (SPEC §9), or null. */
  contract?: string | null;
  /** The guarantee's amount (円) and period, as the filed revision states them (not part of the SPEC §4 JSON). */
  guarantee: { amount: number; period: { from: string; to: string } };
}
