import { CompactSign, SignJWT } from 'jose';
import fc from 'fast-check';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, generateSigningKey, signSet, WITHDRAWN_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { flushAuditRollups } from '../src/auditlog/index.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
});
afterAll(async () => {
  await fx?.close();
});

const push = async (token: string, type = 'application/secevent+jwt') => {
  const res = await fetch(`${base}/sets`, { method: 'POST', headers: { 'content-type': type }, body: token });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const stored = async () => {
  const [row] = await db.sql`select (select count(*)::int from received_sets) as sets, (select count(*)::int from certificate_revisions) as revisions,
    (select count(*)::int from withdrawals) as withdrawals`;
  return row;
};
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function claims(over: Record<string, unknown> = {}) {
  return {
    iss: issuer.iss,
    aud: AUDIENCE,
    iat: now(),
    jti: crypto.randomUUID(),
    events: { [CERTIFICATE_EVENT]: await certificate('2070004426', 'AB12CD34') },
    ...over,
  };
}
async function signed(c: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = issuer.signingKey;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(c)))
    .setProtectedHeader({ alg: key.alg, typ: 'secevent+jwt', kid: key.kid, ...header } as never)
    .sign(key.privateKey);
}

describe('push: every malformed SET is refused with its RFC 8935 code and stores nothing', () => {
  const cases: Array<[string, () => Promise<string>, string]> = [
    ['not a JWS at all', async () => 'not-a-jwt', 'invalid_request'],
    [
      'a flipped bit in the signature',
      async () => {
        const t = await signed(await claims());
        const sig = Buffer.from(t.split('.')[2]!, 'base64url');
        sig[10]! ^= 0x01;
        return `${t.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`;
      },
      'invalid_key',
    ],
    [
      'claims changed after signing (guarantee amount raised)',
      async () => {
        const c = await claims();
        const t = await signed(c);
        const forged = structuredClone(c) as { events: Record<string, { guarantee: { amount: number } }> };
        forged.events[CERTIFICATE_EVENT]!.guarantee.amount += 1_000_000;
        return `${t.split('.')[0]}.${b64(forged)}.${t.split('.')[2]}`;
      },
      'invalid_key',
    ],
    [
      'alg swapped to EdDSA on an ES256 signature',
      async () => {
        const t = await signed(await claims());
        const h = JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString());
        return `${b64({ ...h, alg: 'EdDSA' })}.${t.split('.')[1]}.${t.split('.')[2]}`;
      },
      'invalid_key',
    ],
    [
      'HS256 signed with the issuer public key as the secret',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(issuer.signingKey.publicJwk));
        return new SignJWT(await claims()).setProtectedHeader({ alg: 'HS256', typ: 'secevent+jwt', kid: issuer.signingKey.kid }).sign(secret);
      },
      'invalid_request',
    ],
    [
      'RS256 with an RSA key (key confusion)',
      async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return new SignJWT(await claims()).setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: issuer.signingKey.kid }).sign(privateKey);
      },
      'invalid_request',
    ],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'secevent+jwt', kid: issuer.signingKey.kid })}.${b64(await claims())}.`, 'invalid_request'],
    ['typ JWT instead of secevent+jwt', async () => signed(await claims(), { typ: 'JWT' }), 'invalid_request'],
    ['no kid', async () => signed(await claims(), { kid: undefined }), 'invalid_request'],
    ['expired (exp in the past)', async () => signed(await claims({ exp: now() - 60 })), 'invalid_request'],
    ['iat ten minutes in the future', async () => signed(await claims({ iat: now() + 600 })), 'invalid_request'],
    ['iat missing', async () => signed(await claims({ iat: undefined })), 'invalid_request'],
    ['another audience', async () => signed(await claims({ aud: 'https://elsewhere.example' })), 'invalid_audience'],
    ['an unknown kid (not in the JWKS even after refetching)', async () => signed(await claims(), { kid: 'never-published' }), 'invalid_key'],
    [
      'signed by a key the issuer never published',
      async () => {
        const rogue = generateSigningKey('ES256', issuer.signingKey.kid);
        return (await signSet({ iss: issuer.iss, aud: AUDIENCE, key: rogue, event: CERTIFICATE_EVENT, payload: (await claims()).events[CERTIFICATE_EVENT] }))
          .token;
      },
      'invalid_key',
    ],
    ['an unregistered iss', async () => signed(await claims({ iss: 'https://stranger.example' })), 'invalid_issuer'],
    [
      'two events',
      async () =>
        signed(
          await claims({
            events: {
              [CERTIFICATE_EVENT]: await certificate('2070004426', 'AB12CD34'),
              [WITHDRAWN_EVENT]: { number: '2070004426', kind: 'advance_payment', revision: 0, reason: 'cancelled', withdrawnOn: '2024-07-01' },
            },
          }),
        ),
      'invalid_request',
    ],
    ['an unknown event type', async () => signed(await claims({ events: { 'urn:example:other': {} } })), 'invalid_request'],
    [
      'no authKeyDigest',
      async () => {
        const { authKeyDigest: _, ...payload } = await certificate('2070004426', 'AB12CD34');
        return signed(await claims({ events: { [CERTIFICATE_EVENT]: payload } }));
      },
      'invalid_request',
    ],
    [
      'a weak authKeyDigest (ln=10)',
      async () => {
        const p = await certificate('2070004426', 'AB12CD34');
        return signed(await claims({ events: { [CERTIFICATE_EVENT]: { ...p, authKeyDigest: p.authKeyDigest.replace('ln=14', 'ln=10') } } }));
      },
      'invalid_request',
    ],
    [
      'a number that is not 10 digits',
      async () => signed(await claims({ events: { [CERTIFICATE_EVENT]: { ...(await certificate('2070004426', 'AB12CD34')), number: '207000442' } } })),
      'invalid_request',
    ],
    [
      'a contract guarantee with an advance payment',
      async () =>
        signed(
          await claims({
            events: {
              [CERTIFICATE_EVENT]: await certificate('2070004426', 'AB12CD34', 'contract').then((c) => ({
                ...c,
                guarantee: { ...c.guarantee, advancePayment: 1 },
              })),
            },
          }),
        ),
      'invalid_request',
    ],
    [
      'larger than 64 KiB',
      async () => signed(await claims({ events: { [CERTIFICATE_EVENT]: { ...(await certificate('2070004426', 'AB12CD34')), notes: 'あ'.repeat(30_000) } } })),
      'invalid_request',
    ],
  ];

  it.each(cases.map(([name, make, code]) => ({ name, make, code })))('$name → $code', async ({ make, code }) => {
    const before = await stored();
    const res = await push(await make());
    expect(res.status).toBe(400);
    expect(res.body.err).toBe(code);
    expect(typeof res.body.description).toBe('string');
    expect(res.body.description.length).toBeGreaterThan(10);
    expect(await stored()).toEqual(before);
  });

  it('names the field path when the payload is invalid', async () => {
    const res = await push(
      await signed(await claims({ events: { [CERTIFICATE_EVENT]: { ...(await certificate('2070004426', 'AB12CD34')), issuedOn: '2024-02-30' } } })),
    );
    expect(res.body).toMatchObject({ err: 'invalid_request' });
    expect(res.body.description).toContain('issuedOn');
  });

  it('refuses a body that is not application/secevent+jwt', async () => {
    const res = await push(await signed(await claims()), 'text/plain');
    expect(res).toMatchObject({ status: 400, body: { err: 'invalid_request' } });
  });

  it("records every refusal in the audit log, without the token: in full, or counted in a summary past a client's allowance", async () => {
    await flushAuditRollups(db.sql, { all: true });
    const rows = await db.sql`select outcome, detail from audit_log where action = 'feed.ingest' and outcome = 'refused'`;
    const full = rows.filter((r) => !r.detail.summary);
    const counted = rows.reduce((n, r) => n + (r.detail.summary?.notWritten ?? 0), 0);
    expect(full.length + counted).toBeGreaterThanOrEqual(cases.length);
    expect(full.every((r) => typeof r.detail.sha256 === 'string' && !JSON.stringify(r.detail).includes('eyJ'))).toBe(true);
  });
});

describe('push: a valid SET', () => {
  it('is stored once: 202, the same SET again 202 and a no-op, other content under the same identity refused', async () => {
    const payload = await certificate('2070009999', 'ZX98CV76');
    const first = await issuer.sign(CERTIFICATE_EVENT, payload);
    expect((await push(first.token)).status).toBe(202);
    const before = await stored();
    expect((await push(first.token)).status).toBe(202);
    expect(await stored()).toEqual(before);

    const other = await issuer.sign(CERTIFICATE_EVENT, { ...payload, guarantee: { ...payload.guarantee, amount: payload.guarantee.amount + 1000 } });
    const res = await push(other.token);
    expect(res).toMatchObject({ status: 400, body: { err: 'invalid_request' } });
    expect(res.body.description).toMatch(/already stored with different content/);
    expect(await stored()).toEqual(before);
    const [kept] = await db.sql`select s.jws from certificate_revisions r join received_sets s on s.id = r.set_id where r.number = '2070009999'`;
    expect(kept!.jws).toBe(first.token);
    const [conflict] = await db.sql`select jws from ingest_conflicts where jti = ${other.jti}`;
    expect(conflict!.jws).toBe(other.token);
  });

  it('keeps the SET byte for byte with its SHA-256, header and claims', async () => {
    const s = await issuer.sign(CERTIFICATE_EVENT, await certificate('2070008888', 'QW12ER34'));
    expect((await push(s.token)).status).toBe(202);
    const [row] = await db.sql`select jws, jws_sha256, header, claims, via from received_sets where jti = ${s.jti}`;
    expect(row!.jws).toBe(s.token);
    expect(row!.jws_sha256).toBe(createHash('sha256').update(s.token).digest('hex'));
    expect(row!.header).toMatchObject({ alg: 'ES256', typ: 'secevent+jwt' });
    expect(row!.claims.jti).toBe(s.jti);
    expect(row!.via).toBe('push');
    const [rev] = await db.sql`select payload, auth_key_digest from certificate_revisions where number = '2070008888'`;
    expect(rev!.payload.authKeyDigest).toBeUndefined();
    expect(rev!.auth_key_digest).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
  });
});

describe('property: random mutations of a valid SET are never stored', () => {
  it('holds for random single-character changes anywhere in the token', async () => {
    const valid = await issuer.sign(CERTIFICATE_EVENT, await certificate('2070007777', 'MN34BV56'));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat(valid.token.length - 1), fc.constantFrom(...alphabet), async (pos, ch) => {
        const mutated = valid.token.slice(0, pos) + ch + valid.token.slice(pos + 1);
        fc.pre(mutated !== valid.token);
        const res = await push(mutated);
        expect(res.status).toBe(400);
      }),
      { numRuns: 150 },
    );
    const [row] = await db.sql`select count(*)::int as n from certificate_revisions where number = '2070007777'`;
    expect(row!.n).toBe(0);
  });
});
