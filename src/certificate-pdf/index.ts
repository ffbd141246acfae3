// The certificate as a PDF carrying its own proof (SPEC §7): the document, the proof it embeds,
// and the service that makes it for a signed-in clerk with its audit entry.
export { certificatePdf, type PdfProof } from './document.js';
export { proofFor } from './proof.js';
export { createCertificatePdfService, type CertificatePdfService } from './service.js';
/** The audit log actions this capability records, a certificate's page viewed and its PDF made (auditlog/actions.ts joins every list into AuditAction). */
export const CERTIFICATE_PDF_AUDIT_ACTIONS = ['certificate.view', 'certificate.pdf'] as const;
