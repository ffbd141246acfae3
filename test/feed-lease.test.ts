import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, insertIssuer, KeyStore, parseJwks, PollScheduler, storeKeys } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

const LEASE_MS = 900;
/** Each answer takes this long, so a round of a few pages lasts several leases. */
const ANSWER_MS = 300;

let db: TestDatabase;
const issuer = new ReferenceIssuer('https://lease.issuer.test.example', AUDIENCE);
let server: http.Server;

/** An RFC 8936 feed that answers slowly and records every request: when, and how many were under way at once. */
const feed = {
  queue: new Map<string, string>(),
  acknowledged: new Set<string>(),
  requests: [] as number[],
  inFlight: 0,
  maxInFlight: 0,
};

beforeAll(async () => {
  db = await createTestDatabase();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      feed.requests.push(Date.now());
      feed.maxInFlight = Math.max(feed.maxInFlight, ++feed.inFlight);
      const poll = JSON.parse(body) as { ack: string[]; setErrs: Record<string, unknown>; maxEvents: number };
      for (const jti of poll.ack) feed.acknowledged.add(jti);
      for (const jti of [...poll.ack, ...Object.keys(poll.setErrs)]) feed.queue.delete(jti);
      await new Promise((r) => setTimeout(r, ANSWER_MS));
      const sets = Object.fromEntries([...feed.queue].slice(0, poll.maxEvents));
      feed.inFlight--;
      res.end(JSON.stringify({ sets, moreAvailable: feed.queue.size > Object.keys(sets).length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwks = { keys: [issuer.signingKey.publicJwk as never] };
  await insertIssuer(db.sql, { id: 'lease', iss: issuer.iss, jwksInline: jwks, feedUrl: `${url}/feed` });
  await storeKeys(db.sql, 'lease', (await parseJwks(jwks)).keys, silentLogger);
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await db?.drop();
});

let serial = 0;
async function enqueue(count: number): Promise<string[]> {
  const jtis: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(String(5_400_000_000 + ++serial), 'AB12CD34'));
    feed.queue.set(s.jti, s.token);
    jtis.push(s.jti);
  }
  return jtis;
}
const scheduler = () => {
  const keys = new KeyStore(db.sql, { log: silentLogger });
  const receiver = createReceiver({ sql: db.sql, keys, audience: AUDIENCE, log: silentLogger });
  return new PollScheduler({ sql: db.sql, receiver, log: silentLogger, intervalMs: 60_000, tickMs: 20, leaseMs: LEASE_MS, maxEvents: 1 });
};
const until = async (what: string, cond: () => boolean | Promise<boolean>, limitMs = 60_000) => {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const lease = async () => (await db.sql`select lease_holder, lease_expires_at from issuer_poll_state where issuer_id = 'lease'`)[0]!;

describe('poll leases', () => {
  it('a round longer than the lease is renewed while it runs: two schedulers never poll one issuer at once', async () => {
    const jtis = await enqueue(10);
    feed.maxInFlight = 0;
    const started = feed.requests.length;
    const a = scheduler();
    const b = scheduler();
    a.start();
    b.start();
    try {
      await until('every SET acknowledged', () => jtis.every((j) => feed.acknowledged.has(j)));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const requests = feed.requests.slice(started);
    expect(feed.maxInFlight).toBe(1);
    // the polling took several leases' time, yet no second poller joined in
    expect(requests[requests.length - 1]! - requests[0]!).toBeGreaterThan(3 * LEASE_MS);
    expect((await lease()).lease_holder).toBeNull(); // released on stop
    expect((await db.sql`select count(*)::int as n from received_sets where jti in ${db.sql(jtis)}`)[0]!.n).toBe(10);
  }, 90_000);

  it('a poller killed with SIGKILL mid-round: another takes over once its lease lapses, never while it holds it', async () => {
    const jtis = await enqueue(6);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/poll-child.ts'], {
      env: { ...process.env, DATABASE_URL: db.url, SHOSHO_AUDIENCE: AUDIENCE, LEASE_MS: String(LEASE_MS), MAX_EVENTS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    const before = feed.requests.length;
    await until('the child to poll', () => feed.requests.length >= before + 2);
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const held = await lease();
    expect(held.lease_holder).not.toBeNull(); // it died holding the lease
    const takeover = scheduler();
    const afterKill = feed.requests.length;
    takeover.start();
    try {
      await until('the other poller to take over', () => feed.requests.length > afterKill);
      const firstRequest = feed.requests[afterKill]!;
      expect(firstRequest).toBeGreaterThanOrEqual((held.lease_expires_at as Date).getTime() - 50);
      // promptly: within the lease (plus the tick and a loaded machine's slack), not a minute
      expect(firstRequest - killedAt).toBeLessThan(LEASE_MS + 5_000);
      await until('every SET acknowledged', () => jtis.every((j) => feed.acknowledged.has(j)));
    } finally {
      await takeover.stop();
    }
    const [row] = await db.sql`select count(*)::int as n, count(distinct jti)::int as d from received_sets where jti in ${db.sql(jtis)}`;
    expect(row).toEqual({ n: 6, d: 6 });
  }, 90_000);
});
