import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import type { SigningKey } from './keys.js';

export const CERTIFICATE_EVENT = 'urn:shosho:certificate';
export const WITHDRAWN_EVENT = 'urn:shosho:certificate-withdrawn';

export interface SignedSet {
  jti: string;
  token: string;
}

/**
 * A Security Event Token (RFC 8417) as shosho expects it (SPEC §2): typ secevent+jwt, the signing
 * key's kid, iss/aud/iat/jti and exactly one event.
 */
export async function signSet(opts: {
  iss: string;
  aud: string | string[];
  key: SigningKey;
  event: string;
  payload: unknown;
  jti?: string;
  iat?: number;
  txn?: string;
}): Promise<SignedSet> {
  const jti = opts.jti ?? randomUUID();
  const claims = {
    iss: opts.iss,
    aud: opts.aud,
    iat: opts.iat ?? Math.floor(Date.now() / 1000),
    jti,
    ...(opts.txn ? { txn: opts.txn } : {}),
    events: { [opts.event]: opts.payload },
  };
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: opts.key.alg, typ: 'secevent+jwt', kid: opts.key.kid })
    .sign(opts.key.privateKey);
  return { jti, token };
}
