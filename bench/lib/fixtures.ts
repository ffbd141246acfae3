import type postgres from 'postgres';
import { addApiToken, addOrganisation, addUser, createSession, hashPassword, ScryptPool, type Role } from '../../src/auth/index.js';
import { createReceiver, insertIssuer, KeyStore, parseJwks, storeKeys } from '../../src/feed/index.js';
import { silentLogger } from '../../src/log/index.js';
import {
  authKeyDigest,
  CERTIFICATE_EVENT,
  generateSigningKey,
  jwks,
  sampleCertificate,
  signSet,
  type Alg,
  type CertificatePayloadInput,
  type Kind,
  type SignedSet,
  type SigningKey,
} from '../../reference-issuer/index.js';

export const AUDIENCE = 'https://shosho.bench.example';
export const HIROSHIMA = { id: 'hiroshima', name: '広島県', code: '340006', obligee: { name: '広島県知事', code: '340006' } };
export const OKAYAMA = { id: 'okayama', name: '岡山県', code: '330001', obligee: { name: '岡山県知事', code: '330001' } };
export const KINDS: Kind[] = ['advance_payment', 'interim_advance_payment', 'contract'];

export interface BenchIssuer {
  id: string;
  iss: string;
  key: SigningKey;
  sign(payload: unknown, opts?: { jti?: string; event?: string }): Promise<SignedSet>;
}

/** An issuer registered with an inline JWKS (so the service needs no JWKS endpoint), its key stored. */
export async function registerIssuer(sql: postgres.Sql, opts: { id?: string; alg?: Alg; feedUrl?: string } = {}): Promise<BenchIssuer> {
  const id = opts.id ?? 'wjcs';
  const iss = `https://${id}.issuer.bench.example`;
  const key = generateSigningKey(opts.alg ?? 'ES256', `${(opts.alg ?? 'ES256').toLowerCase()}-bench-1`);
  const doc = jwks([key]);
  await sql.begin(async (tx) => {
    await insertIssuer(tx, { id, iss, name: '西日本建設業保証株式会社', jwksInline: doc as never, ...(opts.feedUrl ? { feedUrl: opts.feedUrl } : {}) });
    await storeKeys(tx, id, (await parseJwks(doc)).keys, silentLogger);
  });
  return {
    id,
    iss,
    key,
    sign: (payload, o = {}) => signSet({ iss, aud: AUDIENCE, key, event: o.event ?? CERTIFICATE_EVENT, payload, jti: o.jti }),
  };
}

const pool = new ScryptPool(2);

/** An organisation answering for one obligee code, users of the given roles, and an API token. */
export async function seedOrganisation(
  sql: postgres.Sql,
  org: { id: string; name: string; code: string },
  users: Array<{ username: string; role: Role }> = [],
) {
  await addOrganisation(sql, { id: org.id, name: org.name, obligees: [{ code: org.code, name: null }] });
  const password = `pw-${org.id}-correct-horse`;
  const passwordHash = await hashPassword(pool, password);
  const userIds: Record<string, string> = {};
  for (const u of users) userIds[u.username] = await addUser(sql, { username: u.username, orgId: org.id, role: u.role, passwordHash });
  const { token } = await addApiToken(sql, org.id, 'bench');
  return { password, token, userIds };
}

/** A signed-in browser session for a user: the cookie value and its CSRF token. */
export async function session(sql: postgres.Sql, userId: string): Promise<{ cookie: string; csrf: string }> {
  const id = await createSession(sql, userId);
  const { createHash } = await import('node:crypto');
  const [row] = await sql<{ csrf_token: string }[]>`select csrf_token from sessions where id_hash = ${createHash('sha256').update(id).digest('hex')}`;
  return { cookie: `shosho_session=${id}`, csrf: row!.csrf_token };
}

const digests = new Map<string, Promise<string>>();
/** One real digest per (key, ln): each costs 60 ms at ln=15. */
export function digestFor(authKey: string, ln = 15): Promise<string> {
  const k = `${ln}:${authKey}`;
  let d = digests.get(k);
  if (!d) {
    d = authKeyDigest(authKey, ln);
    digests.set(k, d);
  }
  return d;
}

/** A realistic revision 0 (reference-issuer samples) with the given number, kind, digest and obligee. */
export function payload(
  seed: number,
  number: string,
  kind: Kind,
  digest: string,
  obligee: { name: string; code?: string } = HIROSHIMA.obligee,
): CertificatePayloadInput {
  return { ...sampleCertificate(seed, { number, kind, authKeyDigest: digest, issuedOn: '2024-06-03' }), obligee };
}

/** Stores signed SETs through the real receiver (verify + ingest), in batches; throws on any refusal. */
export async function ingestTokens(sql: postgres.Sql, tokens: readonly string[], batch = 200): Promise<void> {
  const keys = new KeyStore(sql, { log: silentLogger });
  const receiver = createReceiver({ sql, keys, audience: AUDIENCE, log: silentLogger });
  for (let i = 0; i < tokens.length; i += batch) {
    const results = await receiver.receive(tokens.slice(i, i + batch), 'push', { client: 'bench-setup' });
    const bad = results.find((r) => r.status !== 'stored' && r.status !== 'duplicate');
    if (bad) throw new Error(`setup ingest refused: ${JSON.stringify(bad)}`);
  }
}

/** `count` certificates numbered from `first`, all with one auth key, signed and ingested. */
export async function issueCertificates(
  sql: postgres.Sql,
  issuer: BenchIssuer,
  opts: { first: number; count: number; authKey: string; ln?: number; obligee?: { name: string; code?: string } },
) {
  const digest = await digestFor(opts.authKey, opts.ln ?? 15);
  const numbers: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const number = String(opts.first + i).padStart(10, '0');
    numbers.push(number);
    tokens.push((await issuer.sign(payload(i, number, KINDS[i % 3]!, digest, opts.obligee))).token);
  }
  await ingestTokens(sql, tokens);
  return numbers;
}

/** The revision id of a number (revision 0 of its first kind). */
export async function revisionId(sql: postgres.Sql, number: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`select id from certificate_revisions where number = ${number} order by revision limit 1`;
  return row!.id;
}

/** Unlocks revisions for an organisation, as a right-key lookup would (rows in `unlocks`). */
export async function unlock(sql: postgres.Sql, orgId: string, revisionIds: readonly string[], by = 'bench') {
  await sql`insert into unlocks ${sql(revisionIds.map((id) => ({ org_id: orgId, revision_id: id, unlocked_by: by })))} on conflict do nothing`;
}
