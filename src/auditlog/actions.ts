import type { LOOKUP_AUDIT_ACTIONS } from '../lookup/index.js';
import type { CERTIFICATE_PDF_AUDIT_ACTIONS } from '../certificate-pdf/index.js';
import type { ARCHIVE_AUDIT_ACTIONS } from '../archive/index.js';
import type { AUDIT_AUDIT_ACTIONS } from '../audit/index.js';
import type { AUDITLOG_AUDIT_ACTIONS } from './index.js';
import type { AUTH_AUDIT_ACTIONS } from '../auth/index.js';
import type { FEED_AUDIT_ACTIONS } from '../feed/index.js';
import type { LEDGER_AUDIT_ACTIONS } from '../ledger/index.js';
import type { ALERTS_AUDIT_ACTIONS } from '../alerts/index.js';
import type { NOTICES_AUDIT_ACTIONS } from '../notices/index.js';

/** Every action the audit log records, as the union of the lists each capability owns: an unknown one does not compile. */
export type AuditAction =
  | (typeof LOOKUP_AUDIT_ACTIONS)[number]
  | (typeof CERTIFICATE_PDF_AUDIT_ACTIONS)[number]
  | (typeof ARCHIVE_AUDIT_ACTIONS)[number]
  | (typeof AUDIT_AUDIT_ACTIONS)[number]
  | (typeof AUDITLOG_AUDIT_ACTIONS)[number]
  | (typeof AUTH_AUDIT_ACTIONS)[number]
  | (typeof FEED_AUDIT_ACTIONS)[number]
  | (typeof LEDGER_AUDIT_ACTIONS)[number]
  | (typeof ALERTS_AUDIT_ACTIONS)[number]
  | (typeof NOTICES_AUDIT_ACTIONS)[number];
