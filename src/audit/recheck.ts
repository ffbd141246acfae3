import { recordAudit } from '../auditlog/index.js';
import type { Sql } from '../db/index.js';
import { isUuid, type Kind } from '../domain/index.js';
import { findIssuer, revisionFacts, statusAmong, type KeyStore } from '../feed/index.js';
import { verifyEvidence, type Evidence } from './checks.js';
import type { VerificationReport } from './report.js';

export interface RecheckOptions {
  orgId: string;
  archiveId: string;
  /** Who asked, as the audit log names them (`user:…`, `api:…`, `cli:…`). */
  actor: string;
  client?: string | null;
  requestId?: string | null;
}

type ArchivedRow = {
  id: string;
  org_id: string;
  issuer_id: string;
  number: string;
  kind: Kind;
  revision: number;
  pdf: Buffer;
  pdf_sha256: string;
  jws_sha256: string;
  jws: string;
};

/**
 * SPEC §6 over an archive record of the organisation (null when it is not one of its own): the stored
 * SET against the digest recorded at filing, the issuer's kept keys (never fetched: a recheck years
 * later must not depend on the issuer), the PDF, and the status today. Every recheck is audit-logged.
 */
export async function recheckArchiveRecord(sql: Sql, keys: KeyStore, audience: string, opts: RecheckOptions): Promise<VerificationReport | null> {
  if (!isUuid(opts.archiveId)) return null;
  const [row] = await sql<ArchivedRow[]>`
    select a.id, a.org_id, a.issuer_id, a.number, a.kind, a.revision, a.pdf, a.pdf_sha256, a.jws_sha256, s.jws
    from archive_records a
    join certificate_revisions r on r.id = a.revision_id
    join received_sets s on s.id = r.set_id
    where a.id = ${opts.archiveId} and a.org_id = ${opts.orgId}`;
  if (!row) return null;
  const issuer = await findIssuer(sql, { id: row.issuer_id });
  if (!issuer) throw new Error(`issuer ${row.issuer_id} of archive record ${row.id} is missing`);
  const evidence: Evidence = {
    jws: row.jws,
    identity: { number: row.number, kind: row.kind, revision: row.revision },
    recordedJwsSha256: row.jws_sha256,
    issuerIss: issuer.iss,
    findKey: (kid) => keys.find(issuer, kid, { offline: true }),
    keySource: 'kept',
    audience,
    pdf: { bytes: new Uint8Array(row.pdf), recordedSha256: row.pdf_sha256 },
    status: statusAmong(await revisionFacts(sql, { issuerId: row.issuer_id, number: row.number, kind: row.kind }), row.revision),
    archiveId: row.id,
  };
  const report = await verifyEvidence(evidence);
  await recordAudit(sql, [
    {
      action: 'archive.recheck',
      outcome: report.result,
      actor: opts.actor,
      orgId: opts.orgId,
      client: opts.client ?? null,
      requestId: opts.requestId ?? null,
      number: row.number,
      subject: row.id,
      detail: { result: report.result, failed: report.checks.filter((c) => c.result === 'failed').map((c) => c.name) },
    },
  ]);
  return report;
}

export type RecheckScope = { orgId: string } | { all: true };

/** Rechecks every archive record of one organisation, or of all, oldest first; `shosho recheck` runs this. */
export async function recheckAll(
  sql: Sql,
  keys: KeyStore,
  audience: string,
  opts: RecheckScope & { actor: string; onProgress?: (done: number, total: number) => void },
): Promise<VerificationReport[]> {
  const records = await sql<{ id: string; org_id: string }[]>`
    select id, org_id from archive_records
    where ${'all' in opts ? sql`true` : sql`org_id = ${opts.orgId}`}
    order by archived_at, id`;
  const reports: VerificationReport[] = [];
  for (const [done, record] of records.entries()) {
    const report = await recheckArchiveRecord(sql, keys, audience, { orgId: record.org_id, archiveId: record.id, actor: opts.actor });
    if (report) reports.push(report);
    opts.onProgress?.(done + 1, records.length);
  }
  return reports;
}
