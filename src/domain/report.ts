import { z } from 'zod';
import { KINDS } from './event.js';

const CHECK_RESULTS = ['passed', 'failed', 'indeterminate'] as const;
const CHECK_NAMES = [
  'jws-digest',
  'signature',
  'claims',
  'payload',
  'pdf-digest',
  'pdf-embedded-jws',
  'status',
  // SPEC §9: a filed certificate against its ledger contract
  'contract-obligee',
  'contract-contractor',
  'contract-project',
  'contract-price',
  'guarantee-amount',
  'guarantee-period',
] as const;

/** SPEC §6: `failed` is proven wrong; `indeterminate` could not be decided (never shown as valid or invalid). */
export type CheckResult = (typeof CHECK_RESULTS)[number];

export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckOutcome {
  result: CheckResult;
  /** A sentence a person can act on. */
  detail: string;
}

const reportSubjectSchema = z.strictObject({
  number: z.string(),
  kind: z.enum(KINDS),
  revision: z.number().int(),
  issuer: z.string().describe("the issuer's `iss`"),
  jwsSha256: z.string().describe('the SHA-256 recorded for the SET (what the record says it is, not what was found)'),
  archiveId: z.string().nullable().describe('null when the certificate is not archived'),
});

/** SPEC §6, exactly: what recheck, the API, `shosho recheck` and `shosho verify` report. */
export const verificationReportSchema = z.strictObject({
  subject: reportSubjectSchema,
  checkedAt: z.string().describe('ISO 8601, UTC'),
  result: z.enum(CHECK_RESULTS),
  checks: z.array(z.strictObject({ name: z.enum(CHECK_NAMES), result: z.enum(CHECK_RESULTS), detail: z.string() })),
});

export type ReportSubject = z.output<typeof reportSubjectSchema>;
export type VerificationReport = z.output<typeof verificationReportSchema>;
