import { verifyEvidence } from '../audit/index.js';
import type { Sql } from '../db/index.js';
import { findIssuer, type KeyStore } from '../feed/index.js';
import type { CertificateRecord } from '../lookup/index.js';
import type { PdfProof } from './document.js';

/** What a PDF carries as its own proof (SPEC §7): the key that verified the SET and the §6 report now. */
export async function proofFor(sql: Sql, keys: KeyStore, audience: string, c: CertificateRecord): Promise<PdfProof> {
  const issuer = await findIssuer(sql, { id: c.issuer.id });
  if (!issuer) throw new Error(`issuer ${c.issuer.id} of certificate ${c.id} is not registered`);
  const findKey = (kid: string) => keys.find(issuer, kid, { offline: true });
  const key = await findKey(c.verification.kid);
  if (!key) throw new Error(`key ${c.verification.kid} of issuer ${issuer.id} is not kept`);
  const report = await verifyEvidence({
    jws: c.jws,
    identity: { number: c.payload.number, kind: c.payload.kind, revision: c.payload.revision },
    recordedJwsSha256: c.verification.jwsSha256,
    issuerIss: c.issuer.iss,
    findKey,
    keySource: 'kept',
    audience,
    status: c.status,
  });
  return { jwk: key.jwk, report };
}
