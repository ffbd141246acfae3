import type { CheckName, CheckOutcome, CheckResult, ReportSubject, VerificationReport } from '../domain/index.js';

export type { CheckName, CheckOutcome, CheckResult, ReportSubject, VerificationReport };

/** One named check over some evidence (after Open-Attestation's verifiers): `applies` says whether it belongs in the report. */
export interface Check<E> {
  name: CheckName;
  applies(evidence: E): boolean;
  run(evidence: E): Promise<CheckOutcome> | CheckOutcome;
}

export const passed = (detail: string): CheckOutcome => ({ result: 'passed', detail });
export const failed = (detail: string): CheckOutcome => ({ result: 'failed', detail });
export const indeterminate = (detail: string): CheckOutcome => ({ result: 'indeterminate', detail });

/**
 * Runs the checks that apply, in order. A check that throws is `indeterminate` with the error in its
 * detail: a crash is never a pass, and never proof of tampering either.
 */
export async function runChecks<E>(checks: readonly Check<E>[], evidence: E, subject: ReportSubject, now: Date = new Date()): Promise<VerificationReport> {
  const results: VerificationReport['checks'] = [];
  for (const check of checks) {
    let outcome: CheckOutcome | null;
    try {
      outcome = check.applies(evidence) ? await check.run(evidence) : null;
    } catch (error) {
      outcome = indeterminate(
        `the check could not be carried out (${error instanceof Error ? error.message : String(error)}); run the recheck again, and report it if this persists`,
      );
    }
    if (outcome) results.push({ name: check.name, result: outcome.result, detail: outcome.detail });
  }
  return { subject, checkedAt: now.toISOString(), result: overallResult(results), checks: results };
}

/** `failed` if any check failed, else `indeterminate` if any was (or if nothing was checked), else `passed`. */
export function overallResult(checks: ReadonlyArray<{ result: CheckResult }>): CheckResult {
  if (checks.some((c) => c.result === 'failed')) return 'failed';
  if (checks.length === 0 || checks.some((c) => c.result === 'indeterminate')) return 'indeterminate';
  return 'passed';
}

/** The process exit code `shosho verify` and `shosho recheck` use for a result. */
export function exitCodeFor(result: CheckResult): 0 | 1 | 3 {
  return result === 'passed' ? 0 : result === 'failed' ? 1 : 3;
}
