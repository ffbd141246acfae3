import { z } from 'zod';
import { parseScryptDigest } from './scrypt-digest.js';

/** The two event types a SET may carry (SPEC §2). */
export const CERTIFICATE_EVENT = 'urn:shosho:certificate';
export const WITHDRAWN_EVENT = 'urn:shosho:certificate-withdrawn';

export const KINDS = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
export type Kind = (typeof KINDS)[number];
export const REVISION_TYPES = ['new', 'change', 'correction'] as const;
export type RevisionType = (typeof REVISION_TYPES)[number];

export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const date = z.string().refine(isCalendarDate, 'must be a real date written YYYY-MM-DD');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const yen = z.number().int('must be whole yen').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
const period = z
  .strictObject({ from: date, to: date })
  .refine((p) => p.from <= p.to, { message: '"from" must not be after "to"', path: ['to'] });

const certificateNumber = z.string().regex(/^[0-9]{10}$/, 'must be exactly 10 ASCII digits');

export const certificatePayloadSchema = z
  .strictObject({
    number: certificateNumber,
    kind: z.enum(KINDS),
    revision: z.number().int().nonnegative().max(9999),
    revisionType: z.enum(REVISION_TYPES),
    issuedOn: date,
    authKeyDigest: z.string().superRefine((s, ctx) => {
      const parsed = parseScryptDigest(s);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    }),
    guarantor: z.strictObject({ name: text(200), office: text(200).optional() }),
    obligee: z.strictObject({ name: text(200), code: z.string().regex(/^[0-9]{6}$/, 'must be a 6-digit local government code').optional() }),
    contractor: z.strictObject({ name: text(200), address: text(400).optional(), representative: text(200).optional() }),
    project: z.strictObject({
      name: text(400),
      location: text(400).optional(),
      contractDate: date.optional(),
      period,
      contractPrice: yen,
    }),
    guarantee: z.strictObject({ amount: yen, period, advancePayment: yen.optional() }),
    changes: z.array(z.string().regex(/^[a-zA-Z]+(\.[a-zA-Z]+)*$/, 'must be a dotted field path')).max(64).optional(),
    notes: z.string().max(4000).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.revision === 0) !== (c.revisionType === 'new')) {
      ctx.addIssue({ code: 'custom', path: ['revision'], message: 'revision 0 is "new", and only revision 0 is' });
    }
    const advance = c.kind !== 'contract';
    if (advance && c.guarantee.advancePayment === undefined) {
      ctx.addIssue({ code: 'custom', path: ['guarantee', 'advancePayment'], message: `is required for ${c.kind}` });
    }
    if (!advance && c.guarantee.advancePayment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['guarantee', 'advancePayment'], message: 'must be absent for contract' });
    }
  });

export type CertificatePayload = z.infer<typeof certificatePayloadSchema>;
/** The payload as shown and returned anywhere outside the database: never the auth-key digest. */
export type PublicPayload = Omit<CertificatePayload, 'authKeyDigest'>;

export const withdrawalPayloadSchema = z.strictObject({
  number: certificateNumber,
  kind: z.enum(KINDS),
  revision: z.number().int().nonnegative().max(9999),
  reason: z.enum(['cancelled', 'issued_in_error']),
  withdrawnOn: date,
});

export type WithdrawalPayload = z.infer<typeof withdrawalPayloadSchema>;
export type WithdrawalReason = WithdrawalPayload['reason'];

/** One line per problem, each naming the field path: "guarantee.amount: must be whole yen". */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
