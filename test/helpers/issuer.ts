import type postgres from 'postgres';
import { insertIssuer } from '../../src/feed/index.js';
import { authKeyDigest, ReferenceIssuer, sampleCertificate, type Kind } from '../../reference-issuer/index.js';
import { AUDIENCE } from './service.js';

/** A reference issuer listening on loopback and registered in the database with its JWKS URI and feed. */
export async function registeredIssuer(sql: postgres.Sql, id = 'wjcs', alg: 'ES256' | 'EdDSA' = 'ES256', name = `${id} 建設業保証`): Promise<ReferenceIssuer> {
  const issuer = new ReferenceIssuer(`https://${id}.issuer.test.example`, AUDIENCE, alg);
  const url = await issuer.listen();
  await insertIssuer(sql, { id, iss: issuer.iss, name, jwksUri: `${url}/jwks.json`, feedUrl: `${url}/feed` });
  return issuer;
}

const digests = new Map<string, Promise<string>>();
/** Digests cost ~50 ms each: tests share one per key (ln=14, the cheapest the SPEC allows). */
export function digestFor(authKey: string): Promise<string> {
  let d = digests.get(authKey);
  if (!d) {
    d = authKeyDigest(authKey, 14);
    digests.set(authKey, d);
  }
  return d;
}

export const HIROSHIMA = { name: '広島県知事', code: '340006' };

/** Revision 0 of a sample certificate addressed to 広島県知事 (340006) unless told otherwise. */
export async function certificate(
  number: string,
  authKey: string,
  kind: Kind = 'advance_payment',
  seed = 1,
  obligee: { name: string; code?: string } = HIROSHIMA,
) {
  return { ...sampleCertificate(seed, { number, kind, authKeyDigest: await digestFor(authKey), issuedOn: '2024-06-03' }), obligee };
}
