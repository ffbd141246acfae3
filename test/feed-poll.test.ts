import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, findIssuer, KeyStore, pollOnce, PollScheduler, recordPoll, verifySet, feedStatus, PollError } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, WITHDRAWN_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let db: TestDatabase;
let issuer: ReferenceIssuer;

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'poll-issuer');
});
afterAll(async () => {
  await issuer?.close();
  await db?.drop();
});

const deps = () => {
  const keys = new KeyStore(db.sql, { log: silentLogger, refetchCooldownMs: 0 });
  const receiver = createReceiver({ sql: db.sql, keys, audience: AUDIENCE, log: silentLogger });
  return { sql: db.sql, receiver, log: silentLogger, intervalMs: 1000, keys, requestTimeoutMs: 10_000 };
};
const theIssuer = async () => (await findIssuer(db.sql, { id: 'poll-issuer' }))!;
async function enqueue(count: number, prefix: string) {
  const jtis: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = await issuer.sign(
      CERTIFICATE_EVENT,
      await certificate(`${prefix}${String(i).padStart(10 - prefix.length, '0')}`, 'AB12CD34', 'advance_payment', i),
    );
    issuer.enqueue(s);
    jtis.push(s.jti);
  }
  return jtis;
}
const storedJtis = async (jtis: string[]) => (await db.sql`select jti from received_sets where jti in ${db.sql(jtis)}`).map((r) => r.jti);

describe('RFC 8936 poll', () => {
  it('ingests, follows moreAvailable, and acknowledges only what was committed', async () => {
    const jtis = await enqueue(250, '31');
    const bad = await issuer.sign(CERTIFICATE_EVENT, await certificate('3199999999', 'AB12CD34'), { aud: 'https://elsewhere.example' });
    issuer.enqueue(bad);
    const summary = await pollOnce(await theIssuer(), { ...deps(), maxEvents: 100 });
    expect(summary.stored).toBe(250);
    expect(summary.requests).toBeGreaterThanOrEqual(4); // 3 batches + the closing acknowledgement
    expect((await storedJtis(jtis)).length).toBe(250);
    expect(jtis.every((j) => issuer.acknowledged.has(j))).toBe(true);
    expect(issuer.errors.get(bad.jti)?.err).toBe('invalid_audience');
    expect(issuer.acknowledged.has(bad.jti)).toBe(false);
    expect(issuer.pending).toBe(0);
  });

  it('two pollers against one database store each event once', async () => {
    const jtis = await enqueue(60, '32');
    const [a, b] = await Promise.all([pollOnce(await theIssuer(), deps()), pollOnce(await theIssuer(), deps())]);
    expect(a!.stored + b!.stored).toBe(60);
    expect((await storedJtis(jtis)).length).toBe(60);
    const [row] =
      await db.sql`select count(*)::int as n from audit_log where action = 'feed.ingest' and outcome = 'stored' and detail->>'jti' in ${db.sql(jtis)}`;
    expect(row!.n).toBe(60);
  });

  it('an issuer that is down, then slow, then up: errors recorded, nothing lost, then ingested', async () => {
    const jtis = await enqueue(5, '33');
    issuer.failWith = 503;
    await expect(pollOnce(await theIssuer(), deps())).rejects.toThrow(/HTTP 503/);
    await recordPoll(db.sql, 'poll-issuer', { error: new PollError('feed answered HTTP 503') });
    issuer.failWith = null;
    // slow: answers 5 s late to a poller that waits 0.3 s (a margin no machine's speed closes)
    issuer.delayMs = 5000;
    await expect(pollOnce(await theIssuer(), { ...deps(), requestTimeoutMs: 300 })).rejects.toThrow(/unreachable/);
    issuer.delayMs = 0;
    let [status] = (await feedStatus(db.sql)).filter((s) => s.issuer === 'poll-issuer');
    expect(status!.lastError).toMatch(/503/);
    expect(status!.consecutiveFailures).toBe(1);
    const summary = await pollOnce(await theIssuer(), deps());
    await recordPoll(db.sql, 'poll-issuer', { summary });
    expect(summary.stored).toBe(5);
    expect((await storedJtis(jtis)).length).toBe(5);
    [status] = (await feedStatus(db.sql)).filter((s) => s.issuer === 'poll-issuer');
    expect(status!.consecutiveFailures).toBe(0);
    expect(status!.lagSeconds).toBeLessThan(5);
  });

  it('two schedulers on one database: both ingest each event once, and stopping releases their leases', async () => {
    const jtis = await enqueue(20, '34');
    const s1 = new PollScheduler({ ...deps(), tickMs: 20 });
    const s2 = new PollScheduler({ ...deps(), tickMs: 20 });
    s1.start();
    s2.start();
    while ((await storedJtis(jtis)).length < 20) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([s1.stop(), s2.stop()]);
    expect((await storedJtis(jtis)).length).toBe(20);
    const [lease] = await db.sql`select lease_holder from issuer_poll_state where issuer_id = 'poll-issuer'`;
    expect(lease!.lease_holder).toBeNull();
  });
});

describe('keys', () => {
  it('an unknown kid refetches the JWKS at once, but at most once per cooldown, never per request', async () => {
    const keys = new KeyStore(db.sql, { log: silentLogger, refetchCooldownMs: 5_000 });
    const receiver = createReceiver({ sql: db.sql, keys, audience: AUDIENCE, log: silentLogger });
    const before = issuer.jwksFetches;
    const fresh = issuer.rotate('ES256');
    issuer.keys = issuer.keys.filter((k) => k !== fresh); // not in the JWKS yet
    const tokens = await Promise.all(
      Array.from(
        { length: 10 },
        async (_, i) => (await issuer.sign(CERTIFICATE_EVENT, await certificate(`36000000${String(i).padStart(2, '0')}`, 'AB12CD34'), { key: fresh })).token,
      ),
    );
    const results = await receiver.receive(tokens, 'push');
    expect(results.every((r) => r.status === 'refused' && r.err === 'invalid_key')).toBe(true);
    expect(issuer.jwksFetches - before).toBe(1);
    issuer.keys.push(fresh); // now published, but within the cooldown: still refused, no new fetch
    expect((await receiver.receive([tokens[0]!], 'push'))[0]!.status).toBe('refused');
    expect(issuer.jwksFetches - before).toBe(1);
  });

  it('a rotation is picked up for the new kid, and SETs signed before it still verify with the issuer offline', async () => {
    const { keys, receiver } = deps();
    const before = await issuer.sign(CERTIFICATE_EVENT, await certificate('3500000001', 'AB12CD34'));
    expect((await receiver.receive([before.token], 'push'))[0]!.status).toBe('stored');
    issuer.rotate('EdDSA', true); // the old key disappears from the JWKS
    const after = await issuer.sign(CERTIFICATE_EVENT, await certificate('3500000002', 'AB12CD34'));
    expect((await receiver.receive([after.token], 'push'))[0]!.status).toBe('stored');
    const kept = await db.sql`select kid, alg from issuer_keys where issuer_id = 'poll-issuer' order by first_seen`;
    expect(kept[0]!.alg).toBe('ES256'); // the key that signed before the rotation is kept
    expect(kept[kept.length - 1]!.alg).toBe('EdDSA');
    await issuer.close(); // offline from here
    const recheck = await verifySet(before.token, { keys, audience: AUDIENCE }, { offline: true });
    expect(recheck.ok).toBe(true);
    await issuer.listen(Number(new URL(issuer.url).port));
  });

  it('a withdrawal is stored beside the revision without deleting anything', async () => {
    const { receiver } = deps();
    const w = await issuer.sign(WITHDRAWN_EVENT, {
      number: '3500000001',
      kind: 'advance_payment',
      revision: 0,
      reason: 'issued_in_error',
      withdrawnOn: '2024-07-01',
    });
    expect((await receiver.receive([w.token], 'poll'))[0]!.status).toBe('stored');
    const [rev] = await db.sql`select count(*)::int as n from certificate_revisions where number = '3500000001'`;
    expect(rev!.n).toBe(1);
    const again = await issuer.sign(WITHDRAWN_EVENT, {
      number: '3500000001',
      kind: 'advance_payment',
      revision: 0,
      reason: 'cancelled',
      withdrawnOn: '2024-07-02',
    });
    expect((await receiver.receive([again.token], 'poll'))[0]!.status).toBe('conflict');
  });
});
