export { generateSigningKey, jwks, type Alg, type SigningKey } from './keys.js';
export { signSet, CERTIFICATE_EVENT, WITHDRAWN_EVENT, type SignedSet } from './sign.js';
export { authKeyDigest, newAuthKey } from './digest.js';
export { sampleCertificate, changeRevision, correctionRevision, OBLIGEES, type CertificatePayloadInput, type Kind } from './samples.js';
export { ReferenceIssuer } from './server.js';
export { INSURERS, newPolicyNumber, type InsurerKind } from './insurer-samples.js';
export { NoticePrinter, noticeHtml, type NoticeContent, type NoticeLayout, type NoticePrintOptions } from './notices.js';
