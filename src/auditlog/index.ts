export { appendAudit, recordAudit, recordChainCheck, verifyAuditChain, type NewAuditEntry, type ChainReport } from './log.js';
export { recordUnauthenticatedAudit, flushAuditRollups, FULL_ENTRIES_PER_MINUTE } from './rollup.js';
export { canonicalJson, type AuditEntry } from './chain.js';
export type { AuditAction } from './actions.js';
export { searchAudit, auditCsv, auditFilterSchema, MAX_AUDIT_PAGE, type AuditFilter, type AuditScope, type AuditRow } from './query.js';
export { AuditTailKeeper, type AuditWatermark, type LostTail } from './tail.js';
export { readableAuditEntry, type ReadableAuditEntry } from './readable.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const AUDITLOG_AUDIT_ACTIONS = ['audit.verify'] as const;
