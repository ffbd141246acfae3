import { z } from 'zod';
import { parseScryptDigest } from './scrypt-digest.js';

/** The two event types a SET may carry (SPEC §2). */
export const CERTIFICATE_EVENT = 'urn:shosho:certificate';
export const WITHDRAWN_EVENT = 'urn:shosho:certificate-withdrawn';

/** What a 保証事業会社 issues; its 保証契約番号 is exactly 10 digits. */
const GUARANTEE_COMPANY_KINDS = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
/** What a 損害保険会社 issues (公共工事履行保証証券, 履行保証保険); its 証券番号 is 6 to 20 digits and capitals. */
const INSURER_KINDS = ['performance_bond', 'performance_insurance'] as const;
export const KINDS = [...GUARANTEE_COMPANY_KINDS, ...INSURER_KINDS] as const;
export type Kind = (typeof KINDS)[number];
export type InsurerKind = (typeof INSURER_KINDS)[number];

export function isInsurerKind(kind: Kind): kind is InsurerKind {
  return (INSURER_KINDS as readonly Kind[]).includes(kind);
}

/** A canonical number of any kind (SPEC §2): what a lookup accepts before it knows the kind. */
export const CERTIFICATE_NUMBER = /^[0-9A-Z]{6,20}$/;
const GUARANTEE_CONTRACT_NUMBER = /^[0-9]{10}$/;

/** The number rule of one kind, as a field error message, or null when the number fits the kind. */
function numberProblem(kind: Kind, number: string): string | null {
  if (isInsurerKind(kind)) return CERTIFICATE_NUMBER.test(number) ? null : `must be 6 to 20 ASCII digits and capital letters for ${kind}`;
  return GUARANTEE_CONTRACT_NUMBER.test(number) ? null : `must be exactly 10 ASCII digits for ${kind}`;
}

/** SPEC §9: a contract that requires 契約保証 accepts an insurer's bond or policy in its place. */
export function fulfilsRequirement(required: Kind, kind: Kind): boolean {
  return required === kind || (required === 'contract' && isInsurerKind(kind));
}

/**
 * The catalog key of the words saying that a certificate of `kind` stands in for the kind required
 * (parameter `kind`: the certificate's kind in words), or null when it is the kind required or no
 * stand-in for it.
 */
export function acceptedInPlaceNote(required: Kind, kind: Kind): 'insurer.acceptedAsContract' | null {
  return required !== kind && fulfilsRequirement(required, kind) ? 'insurer.acceptedAsContract' : null;
}
export const REVISION_TYPES = ['new', 'change', 'correction'] as const;
export type RevisionType = (typeof REVISION_TYPES)[number];

export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const date = z.string().refine(isCalendarDate, 'must be a real date written YYYY-MM-DD').meta({ format: 'date' });
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const yen = z.number().int('must be whole yen').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
const period = z.strictObject({ from: date, to: date }).refine((p) => p.from <= p.to, { message: '"from" must not be after "to"', path: ['to'] });

const certificateNumber = z.string().regex(CERTIFICATE_NUMBER, 'must be 6 to 20 ASCII digits and capital letters');

function checkNumberOfKind(c: { kind: Kind; number: string }, ctx: z.RefinementCtx): void {
  if (!CERTIFICATE_NUMBER.test(c.number)) return; // reported by certificateNumber already
  const problem = numberProblem(c.kind, c.number);
  if (problem) ctx.addIssue({ code: 'custom', path: ['number'], message: problem });
}

const certificateFields = z.strictObject({
  number: certificateNumber,
  kind: z.enum(KINDS),
  revision: z.number().int().nonnegative().max(9999),
  revisionType: z.enum(REVISION_TYPES),
  issuedOn: date,
  authKeyDigest: z.string().superRefine((s, ctx) => {
    const parsed = parseScryptDigest(s);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  }),
  guarantor: z.strictObject({
    name: text(200),
    office: text(200).optional(),
    /** Who signs for the issuer on the paper form, e.g. 「代表取締役社長 山田一郎」. */
    representative: text(200).optional(),
  }),
  obligee: z.strictObject({
    name: text(200),
    code: z
      .string()
      .regex(/^[0-9]{6}$/, 'must be a 6-digit local government code')
      .optional(),
  }),
  contractor: z.strictObject({ name: text(200), address: text(400).optional(), representative: text(200).optional() }),
  project: z.strictObject({
    name: text(400),
    location: text(400).optional(),
    contractDate: date.optional(),
    period,
    contractPrice: yen,
  }),
  guarantee: z.strictObject({ amount: yen, period, advancePayment: yen.optional() }),
  changes: z
    .array(z.string().regex(/^[a-zA-Z]+(\.[a-zA-Z]+)*$/, 'must be a dotted field path'))
    .max(64)
    .optional(),
  notes: z.string().max(4000).optional(),
  /** The certifying sentence (保証文言) of the paper form, as the issuer words it. */
  statement: text(1000).optional(),
});

export const certificatePayloadSchema = certificateFields.superRefine((c, ctx) => {
  if ((c.revision === 0) !== (c.revisionType === 'new')) {
    ctx.addIssue({ code: 'custom', path: ['revision'], message: 'revision 0 is "new", and only revision 0 is' });
  }
  checkNumberOfKind(c, ctx);
  const advance = c.kind === 'advance_payment' || c.kind === 'interim_advance_payment';
  if (advance && c.guarantee.advancePayment === undefined) {
    ctx.addIssue({ code: 'custom', path: ['guarantee', 'advancePayment'], message: `is required for ${c.kind}` });
  }
  if (!advance && c.guarantee.advancePayment !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['guarantee', 'advancePayment'], message: `must be absent for ${c.kind}` });
  }
});

export type CertificatePayload = z.infer<typeof certificatePayloadSchema>;
/** The payload as shown and returned anywhere outside the database: never the auth-key digest. */
export const publicPayloadSchema = certificateFields.omit({ authKeyDigest: true });
export type PublicPayload = Omit<CertificatePayload, 'authKeyDigest'>;

export const withdrawalPayloadSchema = z
  .strictObject({
    number: certificateNumber,
    kind: z.enum(KINDS),
    revision: z.number().int().nonnegative().max(9999),
    reason: z.enum(['cancelled', 'issued_in_error']),
    withdrawnOn: date,
  })
  .superRefine(checkNumberOfKind);

export type WithdrawalPayload = z.infer<typeof withdrawalPayloadSchema>;
export type WithdrawalReason = WithdrawalPayload['reason'];

/** One line per problem, each naming the field path: "guarantee.amount: must be whole yen". */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`).join('; ');
}
