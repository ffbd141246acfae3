import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import { KINDS, REVISION_TYPES, type ArchiveRecord, type ArchiveStatus, type Kind, type RevisionType } from '../domain/index.js';

export type { ArchiveRecord, ArchiveStatus };

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** SPEC §4 archive record as the JSON API returns it. */
export const archiveRecordJsonSchema = z.strictObject({
  id: z.uuid(),
  certificateId: z.uuid().describe('the certificate revision that was filed'),
  number: z.string(),
  kind: z.enum(KINDS),
  revision: z.number().int(),
  revisionType: z.enum(REVISION_TYPES),
  projectName: z.string(),
  contractor: z.string(),
  obligee: z.string(),
  issuer: z.string().describe("the issuer's display name"),
  status: z.enum(['current', 'superseded', 'withdrawn']).describe("the certificate's status today, not when it was filed"),
  archivedAt: z.iso.datetime(),
  archivedBy: z.string(),
  reference: z.string().nullable(),
  memo: z.string().nullable(),
  pdfSha256: sha256,
  jwsSha256: sha256,
  contract: z.string().nullable().describe('the reference of the ledger contract it is linked to (SPEC §9)'),
});

export type ArchiveRecordJson = z.output<typeof archiveRecordJsonSchema>;

/** A page of `GET /api/v1/archive`, newest first unless sorted otherwise. */
export const archivePageJsonSchema = z.strictObject({
  items: z.array(archiveRecordJsonSchema),
  next: z.string().nullable().describe('the cursor of the next page, null on the last'),
});

export type ArchivePageJson = z.output<typeof archivePageJsonSchema>;

export interface ArchiveRecordRow {
  id: string;
  revision_id: string;
  number: string;
  kind: Kind;
  revision: number;
  revision_type: RevisionType;
  project_name: string;
  contractor: string;
  obligee: string;
  issuer_name: string;
  status: ArchiveStatus;
  status_when_archived: ArchiveStatus;
  archived_at: Date;
  archived_by: string;
  reference: string | null;
  memo: string | null;
  pdf_sha256: string;
  jws_sha256: string;
  contract: string | null;
  guarantee: { amount: number; period: { from: string; to: string } };
}

/**
 * The columns of an ArchiveRecordRow, over `archive_records a join issuers i`. Never the PDF:
 * it is read only by the one query that serves it.
 */
export function recordColumns(db: Queryable) {
  return db`
    a.id, a.revision_id, a.number, a.kind, a.revision, a.revision_type, a.project_name, a.contractor, a.obligee,
    i.name as issuer_name, revision_status(a.issuer_id, a.number, a.kind, a.revision) as status, a.status_when_archived,
    a.archived_at, a.archived_by, a.reference, a.memo, a.pdf_sha256, a.jws_sha256,
    (select c.reference from contract_links l join contracts c on c.id = l.contract_id where l.archive_id = a.id) as contract,
    (select r.payload->'guarantee' from certificate_revisions r where r.id = a.revision_id) as guarantee`;
}

export function toArchiveRecord(row: ArchiveRecordRow): ArchiveRecord {
  return {
    id: row.id,
    certificateId: row.revision_id,
    number: row.number,
    kind: row.kind,
    revision: row.revision,
    revisionType: row.revision_type,
    projectName: row.project_name,
    contractor: row.contractor,
    obligee: row.obligee,
    issuer: row.issuer_name,
    status: row.status,
    statusWhenArchived: row.status_when_archived,
    archivedAt: row.archived_at,
    archivedBy: row.archived_by,
    reference: row.reference,
    memo: row.memo,
    pdfSha256: row.pdf_sha256,
    jwsSha256: row.jws_sha256,
    contract: row.contract,
    guarantee: { amount: row.guarantee.amount, period: row.guarantee.period },
  };
}

/** Exactly the SPEC §4 fields, in its order, with `archivedAt` as an ISO 8601 UTC string. */
export function toArchiveJson(record: ArchiveRecord): ArchiveRecordJson {
  return {
    id: record.id,
    certificateId: record.certificateId,
    number: record.number,
    kind: record.kind,
    revision: record.revision,
    revisionType: record.revisionType,
    projectName: record.projectName,
    contractor: record.contractor,
    obligee: record.obligee,
    issuer: record.issuer,
    status: record.status,
    archivedAt: record.archivedAt.toISOString(),
    archivedBy: record.archivedBy,
    reference: record.reference,
    memo: record.memo,
    pdfSha256: record.pdfSha256,
    jwsSha256: record.jwsSha256,
    contract: record.contract ?? null,
  };
}
