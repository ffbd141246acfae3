import { compactVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { sha256Hex } from '../domain/index.js';
import type { Issuer } from './issuers.js';
import type { IssuerKey } from './jwks.js';
import type { KeyStore } from './keystore.js';
import { checkClaims, checkEnvelope, checkHeader, type CertificateEvent, type Checked } from './set-rules.js';

export interface VerifiedSet {
  jws: string;
  jwsSha256: string;
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
  jti: string;
  issuer: Issuer;
  key: IssuerKey;
  event: CertificateEvent;
  verifiedAt: Date;
}

export interface VerifyContext {
  keys: KeyStore;
  audience: string;
  now?: () => Date;
}

/**
 * The one SET verifier, for push, poll and recheck (SPEC §2): envelope, header, registered issuer,
 * known key (refetching the JWKS once per cooldown for an unknown kid, unless `offline`), signature,
 * then claims and the event, read only from the verified bytes.
 */
export async function verifySet(token: string, ctx: VerifyContext, opts: { offline?: boolean } = {}): Promise<Checked<VerifiedSet>> {
  const envelope = checkEnvelope(token);
  if (!envelope.ok) return envelope;
  const header = checkHeader(envelope.value.header);
  if (!header.ok) return header;
  const iss = envelope.value.unverifiedClaims.iss;
  const issuer = typeof iss === 'string' ? await ctx.keys.issuerByIss(iss) : null;
  if (!issuer || issuer.removedAt) {
    return { ok: false, err: 'invalid_issuer', description: `iss ${JSON.stringify(iss ?? null)} is not a registered issuer` };
  }
  const key = await ctx.keys.find(issuer, header.value.kid, opts);
  if (!key) {
    return { ok: false, err: 'invalid_key', description: `kid ${JSON.stringify(header.value.kid)} is not in the JWKS of issuer ${issuer.id}` };
  }
  if (key.alg !== header.value.alg) {
    return { ok: false, err: 'invalid_key', description: `key ${key.kid} is an ${key.alg} key but the header says ${header.value.alg}` };
  }
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(token, key.object, { algorithms: [key.alg] }));
  } catch {
    return { ok: false, err: 'invalid_key', description: `the signature does not verify with key ${key.kid} of issuer ${issuer.id}` };
  }
  let claims: JWTPayload;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('not an object');
  } catch {
    return { ok: false, err: 'invalid_request', description: 'the signed claims are not a JSON object' };
  }
  const now = ctx.now?.() ?? new Date();
  const checked = checkClaims(claims, { iss: issuer.iss, audience: ctx.audience, now });
  if (!checked.ok) return checked;
  return {
    ok: true,
    value: {
      jws: token,
      jwsSha256: sha256Hex(token),
      header: envelope.value.header,
      claims,
      jti: checked.value.jti,
      issuer,
      key,
      event: checked.value.event,
      verifiedAt: now,
    },
  };
}
