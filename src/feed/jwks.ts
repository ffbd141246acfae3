import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

export type SigningAlg = 'ES256' | 'EdDSA';
export const ACCEPTED_ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA'];

export interface IssuerKey {
  kid: string;
  alg: SigningAlg;
  /** public members only, as published */
  jwk: JWK;
  /** RFC 7638 SHA-256 thumbprint, base64url */
  thumbprint: string;
}

/** The algorithm a key may verify: P-256 only ES256, Ed25519 only EdDSA (no key confusion). */
function algForKey(jwk: Record<string, unknown>): SigningAlg | null {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') return 'EdDSA';
  return null;
}

/** Accepts the usable public signing keys of a JWKS and says why each other one was left out. */
export async function parseJwks(doc: unknown): Promise<{ keys: IssuerKey[]; refused: Array<{ kid: string; reason: string }> }> {
  const list = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS: no "keys" array');
  const keys: IssuerKey[] = [];
  const refused: Array<{ kid: string; reason: string }> = [];
  for (const raw of list as Array<Record<string, unknown>>) {
    const kid = typeof raw?.kid === 'string' ? raw.kid : '';
    const alg = raw && algForKey(raw);
    const reason = !kid
      ? 'no kid'
      : 'd' in raw
        ? 'holds a private key'
        : !alg
          ? `kty ${String(raw.kty)}/${String(raw.crv)} is not P-256 or Ed25519`
          : raw.alg !== undefined && raw.alg !== alg
            ? `alg ${String(raw.alg)} does not fit the key type`
            : raw.use !== undefined && raw.use !== 'sig'
              ? `use ${String(raw.use)} is not sig`
              : null;
    if (reason || !alg) {
      refused.push({ kid, reason: reason ?? 'unusable' });
      continue;
    }
    const jwk: JWK =
      alg === 'ES256'
        ? { kty: 'EC', crv: 'P-256', x: raw.x as string, y: raw.y as string, kid, alg, use: 'sig' }
        : { kty: 'OKP', crv: 'Ed25519', x: raw.x as string, kid, alg, use: 'sig' };
    try {
      toKeyObject(jwk);
    } catch (e) {
      refused.push({ kid, reason: `not a valid public key: ${(e as Error).message}` });
      continue;
    }
    keys.push({ kid, alg, jwk, thumbprint: await calculateJwkThumbprint(jwk, 'sha256') });
  }
  return { keys, refused };
}

export function toKeyObject(jwk: JWK): KeyObject {
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
}
