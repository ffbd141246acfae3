export { appendAudit, recordAudit, verifyAuditChain, type NewAuditEntry, type ChainReport } from './log.js';
export { recordUnauthenticatedAudit, flushAuditRollups, FULL_ENTRIES_PER_MINUTE } from './rollup.js';
export { canonicalJson, type AuditEntry } from './chain.js';
export { searchAudit, auditCsv, auditFilterSchema, MAX_AUDIT_PAGE, type AuditFilter, type AuditScope, type AuditRow } from './query.js';
export { AuditTailKeeper, type AuditWatermark, type LostTail } from './tail.js';
export { readableAuditEntry, type ReadableAuditEntry } from './readable.js';
