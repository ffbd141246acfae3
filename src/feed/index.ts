export { insertIssuer, listIssuers, findIssuer, removeIssuer, issuerInputSchema, type Issuer, type IssuerInput } from './issuers.js';
export { parseJwks, toKeyObject, ACCEPTED_ALGS, type IssuerKey, type SigningAlg } from './jwks.js';
export { KeyStore, storeKeys, type ResolvedKey } from './keystore.js';
export {
  checkEnvelope,
  checkHeader,
  checkClaims,
  checkIssuerAndAudience,
  checkEvent,
  MAX_SET_BYTES,
  type SetErrorCode,
  type SetRefusal,
  type Checked,
  type CertificateEvent,
} from './set-rules.js';
export { verifySet, type VerifiedSet, type VerifyContext } from './verify.js';
export { ingest, type IngestOutcome, type Via } from './ingest.js';
export { createReceiver, type Receiver, type ReceiveResult } from './receive.js';
export { pollOnce, recordPoll, PollScheduler, PollError, type PollSummary, type PollerOptions } from './poller.js';
export { feedStatus, type IssuerFeedStatus } from './status.js';
export { revisionFacts, statusAmong, type CertificateIdentity } from './revisions.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const FEED_AUDIT_ACTIONS = ['feed.ingest', 'admin.issuer.add', 'admin.issuer.remove'] as const;
