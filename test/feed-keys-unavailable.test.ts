import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, findIssuer, insertIssuer, KeyStore, pollOnce } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let downIssuer: ReferenceIssuer;

/** A loopback port that nothing listens on: a JWKS endpoint that is down. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer } = fx);
  downIssuer = new ReferenceIssuer('https://down.issuer.test.example', AUDIENCE);
  await insertIssuer(db.sql, { id: 'down', iss: downIssuer.iss, jwksUri: `http://127.0.0.1:${await closedPort()}/jwks.json` });
});
afterAll(async () => {
  issuer.jwksFailure = null;
  await fx?.close();
});

let serial = 0;
const signed = async (by: ReferenceIssuer, key = by.signingKey) =>
  by.sign(CERTIFICATE_EVENT, await certificate(String(5_200_000_000 + ++serial), 'AB12CD34'), { key });
const push = async (token: string) => {
  const res = await fetch(`${fx.base}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : null };
};
const isStored = async (jti: string) => (await db.sql`select 1 from received_sets where jti = ${jti}`).length === 1;
const refusalsAudited = async () =>
  (await db.sql`select count(*)::int as n from audit_log where action = 'feed.ingest' and outcome = 'refused'`)[0]!.n as number;
/** A key the issuer signs with but has not published yet: its kid is unknown to shosho. */
const unpublishedKey = () => {
  const key = issuer.rotate();
  issuer.keys = issuer.keys.filter((k) => k !== key);
  return key;
};
/** A key store that gives a hanging JWKS 0.3 s, or one that answers all the time it needs. */
const keysWaiting = (fetchTimeoutMs: number) => new KeyStore(db.sql, { log: silentLogger, refetchCooldownMs: 0, fetchTimeoutMs });
const receiverWaiting = (fetchTimeoutMs: number) => createReceiver({ sql: db.sql, keys: keysWaiting(fetchTimeoutMs), audience: AUDIENCE, log: silentLogger });

describe('a SET that cannot be checked now is never refused (SPEC §2.3)', () => {
  it('push: a JWKS endpoint that is down answers 503 with Retry-After; nothing is stored or refused', async () => {
    const refusals = await refusalsAudited();
    const s = await signed(downIssuer);
    const res = await push(s.token);
    expect(res.status).toBe(503);
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    expect(res.body.description).toMatch(/JWKS of issuer down cannot be read now/);
    expect(await isStored(s.jti)).toBe(false);
    expect(await refusalsAudited()).toBe(refusals);
  });

  it('push: a JWKS endpoint that hangs answers 503 after the fetch timeout, and the same SET is accepted once the JWKS answers', async () => {
    const key = unpublishedKey();
    const s = await signed(issuer, key);
    issuer.jwksFailure = 'hang';
    const res = await push(s.token);
    expect(res.status).toBe(503);
    expect(res.retryAfter).toBeTruthy();
    expect(await isStored(s.jti)).toBe(false);
    issuer.jwksFailure = null;
    issuer.keys.push(key);
    // the service refetches at most once per 5 s cooldown: the issuer's retry after Retry-After is what succeeds
    let status = 503;
    for (let i = 0; i < 100 && status === 503; i++) {
      status = (await push(s.token)).status;
      if (status === 503) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(202);
    expect(await isStored(s.jti)).toBe(true);
  }, 30_000);

  it.each([
    ['hangs', 'hang' as const],
    ['answers HTTP 500', 500],
    ['answers garbage', 'garbage' as const],
  ])('receiver: an unknown kid while the JWKS %s is unavailable, not invalid_key', async (_, failure) => {
    const receiver = receiverWaiting(300);
    const s = await signed(issuer, unpublishedKey());
    issuer.jwksFailure = failure;
    try {
      const [result] = await receiver.receive([s.token], 'push');
      expect(result!.status).toBe('unavailable');
    } finally {
      issuer.jwksFailure = null;
    }
  });

  it('receiver: a JWKS that answers and lacks the kid proves the key unknown: invalid_key', async () => {
    const s = await signed(issuer, unpublishedKey());
    const [result] = await receiverWaiting(10_000).receive([s.token], 'push');
    expect(result).toMatchObject({ status: 'refused', err: 'invalid_key' });
  });

  it('poll: with the JWKS hanging, the SET under a new kid is neither acknowledged nor reported and comes again; the rest is stored', async () => {
    const opts = { sql: db.sql, receiver: receiverWaiting(300), log: silentLogger, intervalMs: 1000 };
    const known = await signed(issuer);
    const key = unpublishedKey();
    const fresh = await signed(issuer, key);
    issuer.enqueue(known);
    issuer.enqueue(fresh);
    issuer.jwksFailure = 'hang';
    const first = await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, opts);
    expect(first.stored).toBe(1);
    expect(first.deferred.map((d) => d.jti)).toEqual([fresh.jti]);
    expect(first.refused).toEqual([]);
    expect(issuer.acknowledged.has(known.jti)).toBe(true);
    expect(issuer.acknowledged.has(fresh.jti)).toBe(false);
    expect(issuer.errors.has(fresh.jti)).toBe(false);
    expect(issuer.pending).toBe(1);
    issuer.jwksFailure = null;
    issuer.keys.push(key);
    const second = await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, { ...opts, receiver: receiverWaiting(10_000) });
    expect(second.stored).toBe(1);
    expect(issuer.acknowledged.has(fresh.jti)).toBe(true);
    expect(issuer.pending).toBe(0);
  });
});
