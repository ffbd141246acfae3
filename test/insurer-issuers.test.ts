import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, generateSigningKey, signSet, WITHDRAWN_EVENT, type ReferenceIssuer, type SigningKey } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

/** Both issuers publish a key under this kid, each its own. */
const SHARED_KID = 'signing-2025';

let fx: ServiceFixture;
let db: TestDatabase;
let company: ReferenceIssuer;
let insurer: ReferenceIssuer;
let base: string;
let token: string;

const push = async (by: ReferenceIssuer, token: string) => by.push(`${base}/sets`, token);
const stored = async (number: string) =>
  await db.sql<{ issuer_id: string; kind: string }[]>`select issuer_id, kind from certificate_revisions where number = ${number} order by issuer_id`;
const lookup = (number: string, authKey: string) => apiCall(base, token, 'POST', '/api/v1/lookup', { number, authKey });

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, base } = fx);
  company = fx.issuer;
  insurer = await registeredIssuer(db.sql, 'tokiomarine', 'ES256', '東京海上日動火災保険株式会社');
  company.keys = [generateSigningKey('ES256', SHARED_KID)];
  insurer.keys = [generateSigningKey('ES256', SHARED_KID), generateSigningKey('ES256', 'tokiomarine-only')];
  ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }));
});
afterAll(async () => {
  await insurer?.close();
  await fx?.close();
});

describe("one issuer's key never verifies the other's SET", () => {
  it('a SET claiming the 保証事業会社 but signed by the insurer under the same kid string is refused, and stores nothing', async () => {
    const claimingCompany = await signAs(insurer, company.iss, insurer.keys[0]!, await certificate('2070001111', 'AB12-CD34-EF56', 'contract'));
    expect(JSON.parse(Buffer.from(claimingCompany.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: SHARED_KID });
    const res = await push(insurer, claimingCompany);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ err: 'invalid_key' });
    expect(await stored('2070001111')).toEqual([]);
  });

  it("a kid only the insurer publishes is unknown for the 保証事業会社: the insurer's JWKS is never consulted", async () => {
    const insurerFetches = insurer.jwksFetches;
    const claimingCompany = await signAs(insurer, company.iss, insurer.keys[1]!, await certificate('2070002222', 'AB12-CD34-EF56', 'contract'));
    const res = await push(insurer, claimingCompany);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ err: 'invalid_key' });
    expect(insurer.jwksFetches).toBe(insurerFetches);
    expect(await stored('2070002222')).toEqual([]);
  });

  it("and the other way round: the 保証事業会社's key never signs for the insurer", async () => {
    const claimingInsurer = await signAs(company, insurer.iss, company.keys[0]!, await certificate('PB2025000333333', 'AB12-CD34-EF56', 'performance_bond'));
    const res = await push(company, claimingInsurer);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ err: 'invalid_key' });
    expect(await stored('PB2025000333333')).toEqual([]);
  });

  it("each issuer's own SET under the shared kid is accepted, and both keys are kept apart", async () => {
    expect((await push(company, (await company.sign(CERTIFICATE_EVENT, await certificate('2070003333', 'AB12-CD34-EF56', 'contract'))).token)).status).toBe(
      202,
    );
    expect(
      (
        await push(
          insurer,
          (
            await insurer.sign(CERTIFICATE_EVENT, await certificate('PB2025000444444', 'AB12-CD34-EF56', 'performance_bond'), { key: insurer.keys[0] })
          ).token,
        )
      ).status,
    ).toBe(202);
    const kept = await db.sql<
      { issuer_id: string; thumbprint: string }[]
    >`select issuer_id, thumbprint from issuer_keys where kid = ${SHARED_KID} order by issuer_id`;
    expect(kept.map((k) => k.issuer_id)).toEqual(['tokiomarine', 'wjcs']);
    expect(kept[0]!.thumbprint).not.toBe(kept[1]!.thumbprint);
  });
});

describe("one issuer's withdrawal never touches the other's certificate", () => {
  it('the same number from both, even of the same kind: the insurer cancels its own, the other stays current', async () => {
    const number = '2070005555';
    const fromCompany = await certificate(number, 'CO12-MP34-NY56', 'contract');
    const bond = await certificate(number, 'IN12-SU34-RE56', 'performance_bond');
    const sameKind = await certificate(number, 'SA12-ME34-KD56', 'contract');
    expect((await push(company, (await company.sign(CERTIFICATE_EVENT, fromCompany)).token)).status).toBe(202);
    expect((await push(insurer, (await insurer.sign(CERTIFICATE_EVENT, bond)).token)).status).toBe(202);
    expect((await push(insurer, (await insurer.sign(CERTIFICATE_EVENT, sameKind)).token)).status).toBe(202);
    expect((await stored(number)).map((r) => `${r.issuer_id} ${r.kind}`).sort()).toEqual([
      'tokiomarine contract',
      'tokiomarine performance_bond',
      'wjcs contract',
    ]);

    for (const kind of ['performance_bond', 'contract']) {
      const withdrawal = await insurer.sign(WITHDRAWN_EVENT, { number, kind, revision: 0, reason: 'cancelled', withdrawnOn: '2025-03-31' });
      expect((await push(insurer, withdrawal.token)).status).toBe(202);
    }

    const own = await lookup(number, 'CO12-MP34-NY56');
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ issuer: { id: 'wjcs' }, status: 'current', certificate: { kind: 'contract' } });
    for (const key of ['IN12-SU34-RE56', 'SA12-ME34-KD56']) {
      const withdrawn = await lookup(number, key);
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.json).toMatchObject({ issuer: { id: 'tokiomarine' }, status: 'withdrawn' });
    }
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from withdrawals where number = ${number} and issuer_id = 'wjcs'`;
    expect(row!.n).toBe(0);
  });
});

/** A SET with any `iss`, signed with `key`: what a dishonest or confused issuer could send. */
async function signAs(by: ReferenceIssuer, iss: string, key: SigningKey, payload: unknown): Promise<string> {
  return (await signSet({ iss, aud: by.audience, key, event: CERTIFICATE_EVENT, payload })).token;
}
