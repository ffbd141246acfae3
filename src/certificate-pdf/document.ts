import { formatJst } from '../domain/index.js';
import { viewOf, type CertificateRecord } from '../lookup/index.js';
import type { PdfRenderer } from '../pdf/index.js';
import { translate, type Lang, type MessageKey, type Renderer, type VerificationReport } from '../render/index.js';

export interface PdfProof {
  /** the issuer's key that verified the SET, as a JWK with its kid */
  jwk: object;
  report: VerificationReport;
}

/**
 * The certificate as an A4 PDF carrying its own proof (SPEC §7): the page's layout, a footer on
 * every page, metadata, and the SET, the issuer's key and the verification report attached.
 */
export async function certificatePdf(
  deps: { renderer: Renderer; pdf: PdfRenderer },
  c: CertificateRecord,
  proof: PdfProof,
  lang: Lang = 'ja',
  now = new Date(),
): Promise<Uint8Array> {
  const view = viewOf(c);
  const html = deps.renderer.render('certificate', { certificate: view }, { lang, standalone: true });
  const kind = translate(lang, view.form.title as MessageKey);
  const revision = `${c.payload.revision} (${translate(lang, `revisionType.${c.payload.revisionType}`)})`;
  return deps.pdf.render({
    html,
    footer: {
      issuer: c.issuer.name,
      numberLabel: translate(lang, view.form.number as MessageKey),
      number: c.payload.number,
      kind,
      revision,
      jwsSha256: c.verification.jwsSha256,
      producedAt: formatJst(now, lang),
      pageLabel: translate(lang, 'pdf.footer.page', { page: '{page}', total: '{total}' }),
      producedAtLabel: translate(lang, 'pdf.footer.producedAt'),
    },
    metadata: {
      title: `${kind} ${c.payload.number}`,
      subject: `${c.payload.project.name} / ${c.payload.contractor.name} / ${c.payload.obligee.name}`,
      author: c.issuer.name,
      keywords: [c.payload.number, c.payload.kind, `revision-${c.payload.revision}`, `sha256:${c.verification.jwsSha256}`],
    },
    attachments: [
      { name: 'certificate.jws', data: c.jws, mimeType: 'application/jose', description: 'The SET exactly as the issuer signed it' },
      {
        name: 'issuer-jwks.json',
        data: JSON.stringify({ keys: [proof.jwk] }, null, 2),
        mimeType: 'application/jwk-set+json',
        description: 'The issuer public key that verified the SET',
      },
      {
        name: 'verification.json',
        data: JSON.stringify(proof.report, null, 2),
        mimeType: 'application/json',
        description: 'Verification report (SPEC §6) when this PDF was made',
      },
    ],
  });
}
