import { z } from 'zod';
import { certificateForm, certificateView, formatJst, publicPayloadSchema, type CertificateView, type Kind } from '../domain/index.js';
import type { CertificateRecord } from '../lookup/index.js';
import type { PdfRenderer } from '../pdf/index.js';
import { translate, type Lang, type MessageKey, type Renderer, type VerificationReport } from '../render/index.js';

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

/**
 * What the kind's paper form calls itself and its fields, in Japanese and English, so that an
 * obligee system can label an insurer's 証券 (保険者, 被保険者, 保険金額 …) as the form does.
 */
function formWording(kind: Kind) {
  const form = certificateForm(kind);
  const words = (lang: Lang) => {
    const t = (key: string) => translate(lang, key as MessageKey);
    return {
      title: t(form.title),
      number: t(form.number),
      guarantor: t(form.fields.guarantor),
      obligee: t(form.fields.obligee),
      contractor: t(form.fields.contractorName),
      amount: t(form.fields.guaranteeAmount),
      period: t(form.fields.guaranteePeriod),
    };
  };
  return { ja: words('ja'), en: words('en') };
}

const formWordsSchema = z.strictObject({
  title: z.string(), number: z.string(), guarantor: z.string(), obligee: z.string(), contractor: z.string(), amount: z.string(), period: z.string(),
});

/** The SPEC §4 body of a successful lookup and of `GET /api/v1/certificates/:id`, with the form's words. */
export const certificateJsonSchema = z.strictObject({
  id: z.uuid(),
  certificate: publicPayloadSchema,
  form: z.strictObject({ ja: formWordsSchema, en: formWordsSchema }).describe("what the kind's paper form calls itself and its fields"),
  issuer: z.strictObject({ id: z.string(), name: z.string() }),
  status: z.enum(['current', 'superseded', 'withdrawn']),
  verification: z.strictObject({ alg: z.string().describe('ES256 or EdDSA'), kid: z.string(), verifiedAt: z.iso.datetime() }),
});

export function certificateJson(c: CertificateRecord): z.output<typeof certificateJsonSchema> {
  return {
    id: c.id,
    certificate: c.payload,
    form: formWording(c.payload.kind),
    issuer: { id: c.issuer.id, name: c.issuer.name },
    status: c.status.status,
    verification: { alg: c.verification.alg, kid: c.verification.kid, verifiedAt: c.verification.verifiedAt.toISOString() },
  };
}

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
    },
    metadata: {
      title: `${kind} ${c.payload.number}`,
      subject: `${c.payload.project.name} / ${c.payload.contractor.name} / ${c.payload.obligee.name}`,
      author: c.issuer.name,
      keywords: [c.payload.number, c.payload.kind, `revision-${c.payload.revision}`, `sha256:${c.verification.jwsSha256}`],
    },
    attachments: [
      { name: 'certificate.jws', data: c.jws, mimeType: 'application/jose', description: 'The SET exactly as the issuer signed it' },
      { name: 'issuer-jwks.json', data: JSON.stringify({ keys: [proof.jwk] }, null, 2), mimeType: 'application/jwk-set+json', description: 'The issuer public key that verified the SET' },
      { name: 'verification.json', data: JSON.stringify(proof.report, null, 2), mimeType: 'application/json', description: 'Verification report (SPEC §6) when this PDF was made' },
    ],
  });
}
