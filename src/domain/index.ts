export { canonicalize, parseNumber, parseAuthKey, type Parsed } from './canonical.js';
export { parseScryptDigest, formatScryptDigest, scryptMaxmem, SCRYPT_LIMITS, type ScryptDigest } from './scrypt-digest.js';
export {
  CERTIFICATE_EVENT,
  WITHDRAWN_EVENT,
  KINDS,
  REVISION_TYPES,
  certificatePayloadSchema,
  withdrawalPayloadSchema,
  describeIssues,
  isCalendarDate,
  type Kind,
  type RevisionType,
  type CertificatePayload,
  type PublicPayload,
  type WithdrawalPayload,
  type WithdrawalReason,
} from './event.js';
export { revisionStatus, type RevisionFacts, type RevisionStatus } from './status.js';
export { formatWareki, formatWarekiParts, parseWareki, formatGregorianJa, formatAmount, formatYen, formatJst, parseIsoDate, jstDayBounds } from './format.js';
export { BOM, csvField, csvLine } from './csv.js';
export { likeContaining } from './search.js';
export { certificateView, type CertificateView, type CertificateViewInput, type CertificateStatus } from './certificate-view.js';
export type { CheckName, CheckOutcome, CheckResult, ReportSubject, VerificationReport } from './report.js';
export type { ArchiveRecord, ArchiveStatus } from './archive-record.js';
