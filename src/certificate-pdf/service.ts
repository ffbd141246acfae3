import { recordAudit, type AuditAction } from '../auditlog/index.js';
import type { Principal } from '../auth/index.js';
import type { Sql } from '../db/index.js';
import type { CertificateRecord } from '../lookup/index.js';
import { PdfError, type PdfRenderer } from '../pdf/index.js';
import type { Lang, Renderer } from '../render/index.js';
import { certificatePdf, type PdfProof } from './document.js';

export interface CertificatePdfService {
  produce(c: CertificateRecord, lang: Lang, who: { principal: Principal; client: string; requestId: string }): Promise<Uint8Array>;
  recordView(principal: Principal, c: CertificateRecord, client: string, requestId: string): Promise<void>;
}

/**
 * Views and PDFs of a certificate, each one audit entry. A missing or broken browser is recorded
 * as a failed PDF and rethrown as the PdfError it is; the web surface answers it with a 503.
 */
export function createCertificatePdfService(deps: {
  sql: Sql;
  renderer: Renderer;
  pdf: PdfRenderer;
  proofFor: (c: CertificateRecord) => Promise<PdfProof>;
}): CertificatePdfService {
  const entry = (action: AuditAction, p: Principal, c: CertificateRecord, client: string, requestId: string, outcome = 'success') => ({
    action,
    outcome,
    actor: p.actor,
    orgId: p.orgId,
    client,
    requestId,
    number: c.payload.number,
    subject: c.id,
    detail: { kind: c.payload.kind, revision: c.payload.revision },
  });
  return {
    async produce(c, lang, who) {
      try {
        const pdf = await certificatePdf(deps, c, await deps.proofFor(c), lang);
        await recordAudit(deps.sql, [entry('certificate.pdf', who.principal, c, who.client, who.requestId)]);
        return pdf;
      } catch (e) {
        if (e instanceof PdfError) {
          await recordAudit(deps.sql, [{ ...entry('certificate.pdf', who.principal, c, who.client, who.requestId, 'failure'), detail: { code: e.code } }]);
        }
        throw e;
      }
    },
    recordView: (p, c, client, requestId) => recordAudit(deps.sql, [entry('certificate.view', p, c, client, requestId)]),
  };
}
