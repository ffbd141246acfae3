import type { Kind } from './event.js';

/** SPEC §6: `failed` is proven wrong; `indeterminate` could not be decided (never shown as valid or invalid). */
export type CheckResult = 'passed' | 'failed' | 'indeterminate';

export type CheckName = 'jws-digest' | 'signature' | 'claims' | 'payload' | 'pdf-digest' | 'pdf-embedded-jws' | 'status'
  // SPEC §9: a filed certificate against its ledger contract
  | 'contract-obligee' | 'contract-contractor' | 'contract-project' | 'contract-price' | 'guarantee-amount' | 'guarantee-period';

export interface CheckOutcome {
  result: CheckResult;
  /** A sentence a person can act on. */
  detail: string;
}

export interface ReportSubject {
  number: string;
  kind: Kind;
  revision: number;
  /** The issuer's `iss`. */
  issuer: string;
  /** The SHA-256 recorded for the SET (what the record says it is, not what was found). */
  jwsSha256: string;
  /** null when the certificate is not archived. */
  archiveId: string | null;
}

/** SPEC §6, exactly: what recheck, the API, `shosho recheck` and `shosho verify` report. */
export interface VerificationReport {
  subject: ReportSubject;
  /** ISO 8601, UTC. */
  checkedAt: string;
  result: CheckResult;
  checks: Array<{ name: CheckName; result: CheckResult; detail: string }>;
}
