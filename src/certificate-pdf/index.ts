// The certificate as a PDF carrying its own proof (SPEC §7): the document, the proof it embeds,
// and the service that makes it for a signed-in clerk with its audit entry.
export { certificatePdf, type PdfProof } from './document.js';
export { proofFor } from './proof.js';
export { createCertificatePdfService, type CertificatePdfService } from './service.js';
