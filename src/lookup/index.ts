export { createLookup, NUMBER_LOCKOUT, CLIENT_LIMIT, type Lookup, type LookupRequest, type LookupResult } from './lookup.js';
export { loadCertificate, type CertificateRecord, type RevisionSummary } from './read-model.js';
export { viewOf } from './view.js';
