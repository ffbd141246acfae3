export { appendAudit, recordAudit, verifyAuditChain, type NewAuditEntry, type ChainReport } from './log.js';
export { canonicalJson, type AuditEntry } from './chain.js';
