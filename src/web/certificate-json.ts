import { z } from 'zod';
import { certificateForm, publicPayloadSchema, type Kind } from '../domain/index.js';
import type { CertificateRecord } from '../lookup/index.js';
import { translate, type Lang, type MessageKey } from '../render/index.js';

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
  title: z.string(),
  number: z.string(),
  guarantor: z.string(),
  obligee: z.string(),
  contractor: z.string(),
  amount: z.string(),
  period: z.string(),
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
