import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, findIssuer, insertIssuer, KeyStore, parseJwks, pollOnce, PollScheduler, removeIssuer, storeKeys } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE, startTestService } from './helpers/service.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
const servers: http.Server[] = [];

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer } = fx);
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await fx?.close();
});

/** A hostile endpoint on loopback; `handle` answers each request. */
async function hostile(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Writes `total` bytes of JSON-looking filler as fast as the reader takes them; counts what was written. */
function flood(res: http.ServerResponse, total: number, counter: { written: number }) {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"sets":{},"padding":"');
  const pump = () => {
    while (counter.written < total) {
      counter.written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

const receiverDeps = () => {
  const keys = new KeyStore(db.sql, { log: silentLogger, refetchCooldownMs: 0, fetchTimeoutMs: 10_000 });
  return { sql: db.sql, receiver: createReceiver({ sql: db.sql, keys, audience: AUDIENCE, log: silentLogger }), log: silentLogger, intervalMs: 1000, keys };
};
let serial = 0;
const signed = async (by: ReferenceIssuer, key = by.signingKey) =>
  by.sign(CERTIFICATE_EVENT, await certificate(String(5_300_000_000 + ++serial), 'AB12CD34'), { key });
const until = async (what: string, cond: () => Promise<boolean> | boolean, limitMs = 30_000) => {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('bytes are bounded while reading (SPEC §2.1)', () => {
  it('a feed answer of 200 MB is abandoned past the limit, not read whole', async () => {
    const counter = { written: 0 };
    const url = await hostile((_req, res) => flood(res, 200 * 1024 * 1024, counter));
    await insertIssuer(db.sql, {
      id: 'flood',
      iss: 'https://flood.example',
      jwksInline: { keys: [issuer.signingKey.publicJwk as never] },
      feedUrl: `${url}/feed`,
    });
    const rssBefore = process.memoryUsage().rss;
    await expect(pollOnce((await findIssuer(db.sql, { id: 'flood' }))!, { ...receiverDeps(), maxEvents: 10 })).rejects.toThrow(
      /larger than the \d+ bytes allowed/,
    );
    // what the socket buffers took beyond the limit, not the 200 MB
    expect(counter.written).toBeLessThan(48 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    await removeIssuer(db.sql, 'flood');
  });

  it('a feed answer that declares a length over the limit is refused before reading', async () => {
    const url = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024 * 1024) });
      res.write('{"sets":{');
    });
    await insertIssuer(db.sql, {
      id: 'declared',
      iss: 'https://declared.example',
      jwksInline: { keys: [issuer.signingKey.publicJwk as never] },
      feedUrl: `${url}/feed`,
    });
    await expect(pollOnce((await findIssuer(db.sql, { id: 'declared' }))!, receiverDeps())).rejects.toThrow(/declares 1073741824 bytes/);
    await removeIssuer(db.sql, 'declared');
  });

  it('a JWKS of 100 MB is abandoned past its limit: the SET under a new kid is unavailable, not refused', async () => {
    const counter = { written: 0 };
    const url = await hostile((_req, res) => flood(res, 100 * 1024 * 1024, counter));
    const other = new ReferenceIssuer('https://huge-jwks.example', AUDIENCE);
    await insertIssuer(db.sql, { id: 'huge-jwks', iss: other.iss, jwksUri: `${url}/jwks.json` });
    const { receiver } = receiverDeps();
    const [result] = await receiver.receive([(await signed(other)).token], 'push');
    expect(result).toMatchObject({ status: 'unavailable', description: expect.stringMatching(/larger than the 262144 bytes allowed/) });
    expect(counter.written).toBeLessThan(48 * 1024 * 1024);
  });

  it('an answer with more SETs than maxEvents: the first maxEvents are taken, the rest left unacknowledged and delivered later', async () => {
    const sets = await Promise.all(Array.from({ length: 7 }, () => signed(issuer)));
    for (const s of sets) issuer.enqueue(s);
    issuer.overDeliver = true;
    try {
      const first = await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, { ...receiverDeps(), maxEvents: 3, maxRequests: 1 });
      expect(first.stored).toBe(3);
      expect(first.overDelivered).toBe(4);
      expect(sets.filter((s) => issuer.acknowledged.has(s.jti))).toHaveLength(3);
      expect(issuer.pending).toBe(4);
      let stored = first.stored;
      for (let round = 0; round < 5 && issuer.pending > 0; round++) {
        stored += (await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, { ...receiverDeps(), maxEvents: 3 })).stored;
      }
      expect(stored).toBe(7);
      expect(issuer.pending).toBe(0);
    } finally {
      issuer.overDeliver = false;
    }
  });
});

describe('issuers are polled independently, each round within a budget', () => {
  /** An issuer whose feed always has one more SET, each answer 150 ms late; counts pages and round ends. */
  async function endlessIssuer(id: string) {
    const endless = new ReferenceIssuer(`https://${id}.example`, AUDIENCE);
    const seen = { pages: 0, roundEnds: [] as number[] };
    const url = await hostile(async (_req, res, body) => {
      const poll = JSON.parse(body) as { maxEvents: number };
      await new Promise((r) => setTimeout(r, 150));
      if (poll.maxEvents === 0) {
        seen.roundEnds.push(seen.pages);
        return void res.end(JSON.stringify({ sets: {}, moreAvailable: true }));
      }
      seen.pages++;
      const s = await signed(endless);
      res.end(JSON.stringify({ sets: { [s.jti]: s.token }, moreAvailable: true }));
    });
    const jwks = { keys: [endless.signingKey.publicJwk as never] };
    await insertIssuer(db.sql, { id, iss: endless.iss, jwksInline: jwks, feedUrl: `${url}/feed` });
    await storeKeys(db.sql, id, (await parseJwks(jwks)).keys, silentLogger);
    return seen;
  }

  it('an endless, slow feed does not delay another issuer', async () => {
    // sorted first, so a poller that takes issuers one after the other would start with it
    const endless = await endlessIssuer('aaa-endless');
    const scheduler = new PollScheduler({ ...receiverDeps(), intervalMs: 100, tickMs: 20, roundBudgetMs: 600_000, maxRequests: 10_000 });
    scheduler.start();
    try {
      await until('the endless feed to be in its first round', () => endless.pages >= 2);
      const waiting = await Promise.all(Array.from({ length: 3 }, () => signed(issuer)));
      for (const s of waiting) issuer.enqueue(s);
      await until('the other issuer to be polled', () => waiting.every((s) => issuer.acknowledged.has(s.jti)));
      expect(endless.roundEnds).toEqual([]); // the endless feed's first round is still under way
    } finally {
      await scheduler.stop();
      await removeIssuer(db.sql, 'aaa-endless');
    }
  });

  it("an endless, slow feed's round ends on its time budget, having stored what it took", async () => {
    const endless = await endlessIssuer('aaa-endless-budget');
    const budget = 1200;
    const scheduler = new PollScheduler({ ...receiverDeps(), tickMs: 20, roundBudgetMs: budget, maxRequests: 10_000 });
    scheduler.start();
    try {
      await until("the endless feed's round to end", () => endless.roundEnds.length >= 1);
    } finally {
      await scheduler.stop();
      await removeIssuer(db.sql, 'aaa-endless-budget');
    }
    // at most one page per 150 ms answer within the budget, plus the one under way when it ran out
    expect(endless.roundEnds[0]).toBeLessThanOrEqual(budget / 150 + 1);
    const [stored] = await db.sql`select count(*)::int as n from received_sets where issuer_id = 'aaa-endless-budget'`;
    expect(stored!.n).toBeGreaterThanOrEqual(endless.roundEnds[0]!);
  });

  it('the page bound ends a round too', async () => {
    const sets = await Promise.all(Array.from({ length: 9 }, () => signed(issuer)));
    for (const s of sets) issuer.enqueue(s);
    const summary = await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, { ...receiverDeps(), maxEvents: 2, maxRequests: 2 });
    expect(summary).toMatchObject({ stored: 4, requests: 3, moreAvailable: true }); // two pages, then the acknowledgement
    expect(sets.filter((s) => issuer.acknowledged.has(s.jti))).toHaveLength(4);
    await pollOnce((await findIssuer(db.sql, { id: 'wjcs' }))!, receiverDeps());
    expect(issuer.pending).toBe(0);
  });
});

describe('a feed that keeps failing is visible (SPEC §3 /readyz, /metrics)', () => {
  it('the service polling a broken feed stays ready and shows the failures, the last error and the lag', async () => {
    const url = await hostile((_req, res) => res.end('<html>503 Service Unavailable</html>'));
    const broken = await registeredIssuer(db.sql, 'broken');
    await db.sql`update issuers set feed_url = ${`${url}/feed`} where id = 'broken'`;
    type FeedDetail = { issuer: string; failing: boolean; consecutiveFailures: number; lastError: string | null; lagSeconds: number | null };
    const polling = await startTestService(db, { SHOSHO_POLL_INTERVAL_SECONDS: '1' });
    try {
      const failedRounds = async () => {
        const metrics = await (await fetch(`${polling.url}/metrics`)).text();
        return Number(/shosho_feed_poll_rounds_total\{issuer="broken",outcome="failed"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      };
      await until('two failed rounds of the broken feed', async () => (await failedRounds()) >= 2);
      const res = await fetch(`${polling.url}/readyz`);
      const body = (await res.json()) as { checks: Array<{ name: string; detail: FeedDetail[] }> };
      const feed = body.checks.find((c) => c.name === 'feeds')!.detail.find((d) => d.issuer === 'broken');
      expect(res.status).toBe(200);
      expect(feed).toMatchObject({ failing: true, lastError: expect.stringMatching(/not UTF-8 JSON/), lagSeconds: null });
      expect(feed!.consecutiveFailures).toBeGreaterThanOrEqual(2);
    } finally {
      await polling.stop();
      await removeIssuer(db.sql, 'broken');
      await broken.close();
    }
  }, 60_000);
});
