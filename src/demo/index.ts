import { randomBytes, randomInt } from 'node:crypto';
import { addApiToken, addOrganisation, addUser, findOrganisation, hashPassword, ScryptPool } from '../auth/index.js';
import type { Sql } from '../db/index.js';
import { findIssuer, insertIssuer } from '../feed/index.js';
import {
  authKeyDigest,
  CERTIFICATE_EVENT,
  changeRevision,
  correctionRevision,
  newAuthKey,
  newPolicyNumber,
  ReferenceIssuer,
  sampleCertificate,
  WITHDRAWN_EVENT,
  type CertificatePayloadInput,
  type Kind,
} from '../../reference-issuer/index.js';

export interface DemoCertificate {
  number: string;
  authKey: string;
  kind: Kind;
  revision: number;
  revisionType: string;
  note: string;
  payload: CertificatePayloadInput;
}

export interface DemoSetup {
  /** The 保証事業会社. */
  issuer: ReferenceIssuer;
  /** The 損害保険会社, with its own key, JWKS and feed. */
  insurer: ReferenceIssuer;
  username: string;
  password: string;
  apiToken: string;
  certificates: DemoCertificate[];
  /** The contract guarantee, which gets a 変更 revision later (alerts). */
  toChange: { payload: CertificatePayloadInput; authKey: string };
}

const ORG = {
  id: 'hiroshima',
  name: '広島県 土木建築局',
  obligees: [
    { code: '340006', name: null },
    { code: null, name: '広島県知事' },
  ],
};
const ISSUER_ID = 'demo-wjcs';
export const DEMO_INSURER_ID = 'demo-tokiomarine';
const HIROSHIMA = { name: '広島県知事', code: '340006' };

/** Registers the simulated issuer, or points the registration at where it listens now. */
async function register(sql: Sql, id: string, issuer: ReferenceIssuer, name: string): Promise<void> {
  const url = await issuer.listen();
  if (await findIssuer(sql, { id })) {
    await sql`update issuers set jwks_uri = ${`${url}/jwks.json`}, feed_url = ${`${url}/feed`} where id = ${id}`;
  } else {
    await insertIssuer(sql, { id, iss: issuer.iss, name, jwksUri: `${url}/jwks.json`, feedUrl: `${url}/feed` });
  }
}

/**
 * Two simulated issuers on loopback, registered with the service — a 保証事業会社 and a 損害保険会社 —
 * and a batch of sample certificates (all five kinds; new, change and correction revisions; a
 * withdrawal), some pushed and some left on the feeds for the poller. Safe to run again on the same
 * data directory: each run adds a batch.
 */
export async function setUpDemo(sql: Sql, serviceUrl: string, audience: string): Promise<DemoSetup> {
  const issuer = new ReferenceIssuer('https://demo-issuer.shosho.invalid', audience, 'ES256');
  await register(sql, ISSUER_ID, issuer, '西日本建設業保証株式会社（デモ）');
  const insurer = new ReferenceIssuer('https://demo-insurer.shosho.invalid', audience, 'EdDSA');
  await register(sql, DEMO_INSURER_ID, insurer, '東京海上日動火災保険株式会社（デモ）');
  if (!(await findOrganisation(sql, ORG.id))) await addOrganisation(sql, ORG);
  if (!(await findOrganisation(sql, 'okayama'))) await addOrganisation(sql, { id: 'okayama', name: '岡山県', obligees: [{ code: '330001', name: null }] });

  const pool = new ScryptPool(2);
  const password = randomBytes(9).toString('base64url');
  const passwordHash = await hashPassword(pool, password);
  const [existing] = await sql`select id from users where username = 'demo'`;
  if (existing) await sql`update users set password_hash = ${passwordHash} where username = 'demo'`;
  else await addUser(sql, { username: 'demo', orgId: ORG.id, role: 'admin', passwordHash });
  const { token } = await addApiToken(sql, ORG.id, 'demo');

  const certificates: DemoCertificate[] = [];
  const base = 2_000_000_000 + randomInt(0, 900_000_000);
  const issue = async (payload: CertificatePayloadInput, authKey: string, how: 'push' | 'poll', note: string, by = issuer) => {
    const set = await by.sign(CERTIFICATE_EVENT, payload);
    if (how === 'push') {
      const res = await by.push(`${serviceUrl}/sets`, set.token);
      if (res.status !== 202) throw new Error(`demo push refused: ${JSON.stringify(res.body)}`);
    } else {
      by.enqueue(set);
    }
    certificates.push({ number: payload.number, authKey, kind: payload.kind, revision: payload.revision, revisionType: payload.revisionType, note, payload });
  };
  const kinds: Kind[] = ['advance_payment', 'interim_advance_payment', 'contract'];
  let toChange: DemoSetup['toChange'] | null = null;
  for (const [i, kind] of kinds.entries()) {
    const number = String(base + i * 7919);
    const key0 = newAuthKey();
    const rev0 = { ...sampleCertificate(i * 3 + 1, { number, kind, authKeyDigest: await authKeyDigest(key0, 14) }), obligee: HIROSHIMA };
    await issue(rev0, key0, 'push', kind === 'contract' ? 'pushed, filed; a 変更 follows in a minute (alert)' : 'pushed (RFC 8935)');
    if (kind === 'contract') toChange = { payload: rev0, authKey: key0 };
    if (kind !== 'contract') {
      const key1 = newAuthKey();
      const rev1 = changeRevision(rev0, 1, await authKeyDigest(key1, 14), '2025-01-15');
      await issue(rev1, key1, 'poll', 'change revision, polled (RFC 8936)');
      if (kind === 'advance_payment') {
        const key2 = newAuthKey();
        await issue(correctionRevision(rev1, 2, await authKeyDigest(key2, 14), '2025-02-03'), key2, 'poll', 'correction revision, polled');
      }
    }
  }
  // one certificate cancelled (解約), one addressed to another obligee
  const cancelled = String(base + 50_000);
  const keyC = newAuthKey();
  await issue(
    { ...sampleCertificate(7, { number: cancelled, kind: 'contract', authKeyDigest: await authKeyDigest(keyC, 14) }), obligee: HIROSHIMA },
    keyC,
    'push',
    'then withdrawn (解約)',
  );
  issuer.enqueue(await issuer.sign(WITHDRAWN_EVENT, { number: cancelled, kind: 'contract', revision: 0, reason: 'cancelled', withdrawnOn: '2025-03-31' }));
  const other = String(base + 60_000);
  const keyO = newAuthKey();
  const okayama = sampleCertificate(1, { number: other, kind: 'advance_payment', authKeyDigest: await authKeyDigest(keyO, 14) });
  okayama.obligee = { name: '岡山県知事', code: '330001' };
  await issue(okayama, keyO, 'push', 'addressed to 岡山県: answers 403 other_obligee');

  // the insurer's 公共工事履行保証証券 (with a change) and 履行保証保険証券, handed over with a 閲覧用パスワード
  const bond = newPolicyNumber('performance_bond');
  const keyB0 = newAuthKey();
  const bond0 = { ...sampleCertificate(2, { number: bond, kind: 'performance_bond', authKeyDigest: await authKeyDigest(keyB0, 14) }), obligee: HIROSHIMA };
  await issue(bond0, keyB0, 'push', 'insurer, pushed', insurer);
  const keyB1 = newAuthKey();
  await issue(changeRevision(bond0, 1, await authKeyDigest(keyB1, 14), '2025-01-20'), keyB1, 'poll', 'insurer, change revision, polled', insurer);
  const policy = newPolicyNumber('performance_insurance');
  const keyP = newAuthKey();
  const policy0 = {
    ...sampleCertificate(5, { number: policy, kind: 'performance_insurance', authKeyDigest: await authKeyDigest(keyP, 14) }),
    obligee: HIROSHIMA,
  };
  await issue(policy0, keyP, 'poll', 'insurer, polled', insurer);
  return { issuer, insurer, username: 'demo', password, apiToken: token, certificates, toChange: toChange! };
}

/**
 * Alerts in the demo (SPEC §10): files the contract guarantee through the API, then after `delayMs`
 * the issuer sends its 変更 revision, which raises a new_revision alert. Resolves with the number
 * once the revision was sent.
 */
export async function changeFiledCertificateLater(demo: DemoSetup, serviceUrl: string, delayMs: number): Promise<string> {
  const { payload, authKey } = demo.toChange;
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${serviceUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`demo: ${path} answered ${res.status}`);
    return res.json() as Promise<{ id: string }>;
  };
  const { id } = await call('/api/v1/lookup', { number: payload.number, authKey });
  await call(`/api/v1/certificates/${id}/archive`, { reference: 'デモ案件 R7-土-001' });
  await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
  const key1 = newAuthKey();
  const changed = changeRevision(payload, 1, await authKeyDigest(key1, 14), '2025-04-01');
  const set = await demo.issuer.sign(CERTIFICATE_EVENT, changed);
  const res = await demo.issuer.push(`${serviceUrl}/sets`, set.token);
  if (res.status !== 202) throw new Error(`demo push refused: ${JSON.stringify(res.body)}`);
  demo.certificates.push({
    number: payload.number,
    authKey: key1,
    kind: payload.kind,
    revision: 1,
    revisionType: 'change',
    note: 'sent a minute after start',
    payload: changed,
  });
  return `${payload.number} (認証キー ${key1})`;
}
export { writeDemoNotices } from './notices.js';
export { setUpDemoLedger } from './ledger.js';
