export {
  runChecks,
  overallResult,
  exitCodeFor,
  passed,
  failed,
  indeterminate,
  type Check,
  type CheckName,
  type CheckOutcome,
  type CheckResult,
  type ReportSubject,
  type VerificationReport,
} from './report.js';
export { VERIFICATION_CHECKS, verifyEvidence, readEvent, type Evidence, type KeySource } from './checks.js';
export { recheckArchiveRecord, recheckAll, type RecheckOptions, type RecheckScope } from './recheck.js';
export { verifyPdfOffline, OfflineVerificationError, type OfflineVerification, type OfflineErrorCode } from './offline.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const AUDIT_AUDIT_ACTIONS = ['archive.recheck'] as const;
