export { createLookup, NUMBER_LOCKOUT, CLIENT_LIMIT, type Lookup, type LookupRequest, type LookupResult } from './lookup.js';
export { loadCertificate, type CertificateRecord, type RevisionSummary } from './read-model.js';
export { viewOf } from './view.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const LOOKUP_AUDIT_ACTIONS = ['lookup'] as const;
