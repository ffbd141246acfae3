import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

const EVENTS = 1200;
const PAGE = 20;
const KILLS = 24;
/** Print it; `CRASH_SEED=<seed>` replays the same kill points. */
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

let db: TestDatabase;
let issuer: ReferenceIssuer;
const jtis: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'crash');
  issuer.pageSize = PAGE;
  const payload = await certificate('4000000000', 'AB12CD34');
  for (let i = 0; i < EVENTS; i++) {
    const s = await issuer.sign(CERTIFICATE_EVENT, { ...payload, number: String(4_000_000_000 + i) });
    issuer.enqueue(s);
    jtis.push(s.jti);
  }
});
afterAll(async () => {
  await issuer?.close();
  await db?.drop();
});

/** `shosho issuer sync crash` as its own process; resolves with how it ended. */
function sync() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'issuer', 'sync', 'crash'], {
    env: { ...process.env, DATABASE_URL: db.url, SHOSHO_AUDIENCE: AUDIENCE, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ended };
}

const storedJtis = async (list: string[]) =>
  list.length
    ? new Set((await db.sql`select jti from received_sets where issuer_id = 'crash' and jti in ${db.sql(list)}`).map((r) => r.jti as string))
    : new Set<string>();
const unstoredAcks = async () => {
  const acked = jtis.filter((j) => issuer.acknowledged.has(j));
  const stored = await storedJtis(acked);
  return acked.filter((j) => !stored.has(j));
};

describe(`a poller killed with SIGKILL mid-ingest, ${KILLS} times (seed ${SEED})`, () => {
  it('ends with every event stored exactly once and nothing acknowledged that was not committed', async () => {
    console.log(`feed-crash seed ${SEED} (replay with CRASH_SEED=${SEED})`);
    const random = prng(SEED);
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      expect(issuer.pending).toBeGreaterThan(PAGE * 3); // enough left that the child cannot finish before its kill point
      // after answering request k (the batch is delivered, neither stored nor acknowledged), or when
      // request k + 1 arrives (batch k committed; its acknowledgements are dropped unread)
      const k = 1 + random(3);
      const afterCommit = random(2) === 1;
      const { child, ended } = sync();
      const first = issuer.feedRequests;
      let inFlight: string[] = [];
      issuer.onFeedAnswered = (n, delivered) => {
        if (n !== first + k) return;
        inFlight = delivered;
        if (!afterCommit) child.kill('SIGKILL');
      };
      issuer.onFeedRequest = (n) => {
        if (!afterCommit || n !== first + k + 1) return;
        child.kill('SIGKILL');
        return 'drop';
      };
      const exit = await ended;
      issuer.onFeedAnswered = issuer.onFeedRequest = null;
      // it really died mid-ingest: killed, holding a delivered batch that was never acknowledged
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(inFlight.length).toBe(PAGE);
      expect(inFlight.filter((j) => issuer.acknowledged.has(j))).toEqual([]);
      if (afterCommit) expect((await storedJtis(inFlight)).size).toBe(PAGE);
      expect(await unstoredAcks()).toEqual([]);
      kills++;
    }
    for (let round = 0; round < 5 && issuer.pending > 0; round++) expect((await sync().ended).code).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(issuer.pending).toBe(0);
    const [row] = await db.sql`select count(distinct jti)::int as distinct_jtis, count(*)::int as n from received_sets where issuer_id = 'crash'`;
    expect(row).toEqual({ distinct_jtis: EVENTS, n: EVENTS });
    const [revisions] = await db.sql`select count(*)::int as n from certificate_revisions where issuer_id = 'crash'`;
    expect(revisions!.n).toBe(EVENTS);
    const [stored] = await db.sql`select count(*)::int as n from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:crash'`;
    expect(stored!.n).toBe(EVENTS);
    expect(jtis.every((j) => issuer.acknowledged.has(j))).toBe(true);
  }, 600_000);
});
