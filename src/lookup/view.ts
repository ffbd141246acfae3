import { certificateView, type CertificateView } from '../domain/index.js';
import type { CertificateRecord } from './read-model.js';

/** What the certificate page and its PDF show of a stored revision. */
export function viewOf(c: CertificateRecord): CertificateView {
  return certificateView({
    id: c.id,
    payload: c.payload,
    issuer: { id: c.issuer.id, name: c.issuer.name },
    status: c.status,
    verification: c.verification,
    revisions: c.revisions,
    previous: c.previous,
    archived: c.archived,
  });
}
