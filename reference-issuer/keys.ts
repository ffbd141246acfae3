import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export type Alg = 'ES256' | 'EdDSA';

export interface SigningKey {
  alg: Alg;
  kid: string;
  privateKey: KeyObject;
  /** what goes in the JWKS: public members, kid, alg, use */
  publicJwk: JWK;
}

/** A new ES256 (P-256) or EdDSA (Ed25519) signing key. */
export function generateSigningKey(alg: Alg, kid: string): SigningKey {
  const { publicKey, privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { alg, kid, privateKey, publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' } };
}

export function jwks(keys: readonly SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}
