import { z } from 'zod';
import { raiseFilingAlerts } from '../alerts/index.js';
import { appendAudit, recordAudit } from '../auditlog/index.js';
import type { Queryable, Sql } from '../db/index.js';
import { isUuid, sha256Hex, typedText } from '../domain/index.js';
import { linkAtFiling } from '../ledger/index.js';
import type { CertificateRecord } from '../lookup/index.js';
import { recordColumns, toArchiveRecord, type ArchiveRecord, type ArchiveRecordRow } from './record.js';

export interface ArchiveRequest {
  orgId: string;
  /** The revision as `loadCertificate` gives it to this organisation. */
  certificate: CertificateRecord;
  pdf: Uint8Array;
  /** Who files it, e.g. a username or `api:<token id>`. */
  actor: string;
  reference?: string | null;
  memo?: string | null;
  /** The ledger contract to link it to; absent: the one contract whose names match, if exactly one does (SPEC §9). */
  contract?: string | null;
  client?: string | null;
  requestId?: string | null;
}

/** What a clerk may add when filing. Blank means absent; too long or holding control characters is refused, naming the field. */
export const archiveNotesSchema = z.object({
  reference: typedText()
    .trim()
    .max(200, 'must be at most 200 characters')
    .nullish()
    .transform((v) => v || null),
  memo: typedText({ multiline: true })
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .nullish()
    .transform((v) => v || null),
});

/** What `q` searches: the number, project, contractor and obligee, NFKC-folded so 全角 input finds 半角 text. */
function searchText(parts: readonly string[]): string {
  return parts.join(' ').normalize('NFKC');
}

/**
 * Files a revision in the organisation's archive, in one transaction with its audit entry.
 * Filing the same revision again changes nothing and gives back the record that exists
 * (`created: false`). Only a revision the organisation unlocked can be filed.
 */
export async function archiveRevision(sql: Sql, request: ArchiveRequest): Promise<{ record: ArchiveRecord; created: boolean }> {
  const { reference, memo } = archiveNotesSchema.parse({ reference: request.reference, memo: request.memo });
  const { orgId, certificate, actor } = request;
  const { payload } = certificate;
  const pdf = Buffer.from(request.pdf.buffer, request.pdf.byteOffset, request.pdf.byteLength);
  const pdfSha256 = sha256Hex(pdf);
  const jwsSha256 = sha256Hex(certificate.jws);
  return sql.begin(async (tx) => {
    const [unlocked] = await tx`select 1 from unlocks where org_id = ${orgId} and revision_id = ${certificate.id}`;
    if (!unlocked) throw new Error(`organisation ${orgId} has not unlocked revision ${certificate.id}, so it cannot archive it`);
    const [inserted] = await tx<{ id: string }[]>`
      insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, reference, memo,
        issuer_id, number, kind, revision, revision_type, project_name, contractor, obligee, search_text)
      values (${orgId}, ${certificate.id}, ${pdf}, ${pdfSha256}, ${jwsSha256}, ${actor}, ${certificate.status.status}, ${reference}, ${memo},
        ${certificate.issuer.id}, ${payload.number}, ${payload.kind}, ${payload.revision}, ${payload.revisionType},
        ${payload.project.name}, ${payload.contractor.name}, ${payload.obligee.name},
        ${searchText([payload.number, payload.project.name, payload.contractor.name, payload.obligee.name])})
      on conflict (org_id, revision_id) do nothing
      returning id`;
    if (inserted) await linkAtFiling(tx, orgId, inserted.id, request.contract ?? null, { actor, client: request.client, requestId: request.requestId });
    const record = (await findArchived(tx, orgId, certificate.id))!;
    if (inserted)
      await raiseFilingAlerts(tx, { orgId, issuerId: certificate.issuer.id, number: payload.number, kind: payload.kind, revision: payload.revision, actor });
    await appendAudit(tx, [
      {
        action: 'archive',
        outcome: inserted ? 'created' : 'existing',
        actor,
        orgId,
        number: record.number,
        subject: record.id,
        client: request.client ?? null,
        requestId: request.requestId ?? null,
        detail: { revisionId: certificate.id, pdfSha256: record.pdfSha256 },
      },
    ]);
    return { record, created: Boolean(inserted) };
  });
}

/** The organisation's record of a revision, if it filed one. */
export async function findArchived(db: Queryable, orgId: string, revisionId: string): Promise<ArchiveRecord | null> {
  if (!isUuid(revisionId)) return null;
  const [row] = await db<ArchiveRecordRow[]>`
    select ${recordColumns(db)} from archive_records a join issuers i on i.id = a.issuer_id
    where a.org_id = ${orgId} and a.revision_id = ${revisionId}`;
  return row ? toArchiveRecord(row) : null;
}

/** One record by its id; null when it is not this organisation's (the routes answer 404). */
export async function getArchiveRecord(db: Queryable, orgId: string, id: string): Promise<ArchiveRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db<ArchiveRecordRow[]>`
    select ${recordColumns(db)} from archive_records a join issuers i on i.id = a.issuer_id
    where a.org_id = ${orgId} and a.id = ${id}`;
  return row ? toArchiveRecord(row) : null;
}

/** The PDF bytes as filed. */
export async function getArchivePdf(db: Queryable, orgId: string, id: string): Promise<Uint8Array | null> {
  if (!isUuid(id)) return null;
  const [row] = await db<{ pdf: Buffer }[]>`select pdf from archive_records where org_id = ${orgId} and id = ${id}`;
  return row?.pdf ?? null;
}

/** The SET exactly as the issuer signed it (SPEC §4 `/archive/:id/jws`). */
export async function getArchiveJws(db: Queryable, orgId: string, id: string): Promise<string | null> {
  if (!isUuid(id)) return null;
  const [row] = await db<{ jws: string }[]>`
    select s.jws from archive_records a
    join certificate_revisions r on r.id = a.revision_id
    join received_sets s on s.id = r.set_id
    where a.org_id = ${orgId} and a.id = ${id}`;
  return row?.jws ?? null;
}

/** Opening or downloading a filed record is one audit entry each. */
export function recordArchiveAccess(
  sql: Sql,
  action: 'archive.view' | 'archive.pdf' | 'archive.jws',
  record: { id: string; number: string },
  who: { actor: string; orgId: string; client: string; requestId: string },
): Promise<void> {
  return recordAudit(sql, [{ action, outcome: 'success', ...who, number: record.number, subject: record.id }]);
}
