export { canonicalize, parseNumber, parseAuthKey, type Parsed } from './canonical.js';
export { parseScryptDigest, formatScryptDigest, scryptMaxmem, SCRYPT_LIMITS, type ScryptDigest } from './scrypt-digest.js';
export {
  CERTIFICATE_EVENT,
  WITHDRAWN_EVENT,
  KINDS,
  CERTIFICATE_NUMBER,
  isInsurerKind,
  fulfilsRequirement,
  acceptedInPlaceNote,
  REVISION_TYPES,
  certificatePayloadSchema,
  publicPayloadSchema,
  withdrawalPayloadSchema,
  describeIssues,
  isCalendarDate,
  type Kind,
  type InsurerKind,
  type RevisionType,
  type CertificatePayload,
  type PublicPayload,
  type WithdrawalPayload,
  type WithdrawalReason,
} from './event.js';
export { revisionStatus, type RevisionFacts, type RevisionStatus } from './status.js';
export {
  KIND_NAMES_JA,
  formatWareki,
  formatWarekiParts,
  parseWareki,
  formatGregorianJa,
  formatAmount,
  formatYen,
  formatJst,
  parseIsoDate,
  jstDayBounds,
} from './format.js';
export { BOM, csvField, csvLine } from './csv.js';
export { typedText, hasControlCharacters, isSearchableDay, isUuid, searchDay, CONTROL_CHARACTER_MESSAGE } from './input.js';
export { parseTypedDate, type TypedDate } from './typed-date.js';
export { hasTrigrams, likeContaining } from './search.js';
export { sha256Hex } from './digest.js';
export {
  certificateView,
  certificateForm,
  type FormWords,
  type CertificateView,
  type CertificateViewInput,
  type CertificateStatus,
} from './certificate-view.js';
export { verificationReportSchema, type CheckName, type CheckOutcome, type CheckResult, type ReportSubject, type VerificationReport } from './report.js';
export type { ArchiveRecord, ArchiveStatus } from './archive-record.js';
