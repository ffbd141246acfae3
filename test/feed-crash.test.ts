import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

const EVENTS = 1000;
let db: TestDatabase;
let issuer: ReferenceIssuer;
const jtis: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'crash');
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

/** `shosho issuer sync crash` as its own process, killed with SIGKILL after `killAfterMs` (or left to finish). */
function sync(killAfterMs: number | null): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'issuer', 'sync', 'crash'], {
    env: { ...process.env, DATABASE_URL: db.url, SHOSHO_AUDIENCE: AUDIENCE, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => child.on('exit', (code) => {
    if (timer) clearTimeout(timer);
    resolve(code);
  }));
}

const storedCount = async () => (await db.sql`select count(*)::int as n from received_sets where issuer_id = 'crash'`)[0]!.n as number;
const unstoredAcks = async () => {
  const acked = jtis.filter((j) => issuer.acknowledged.has(j));
  if (acked.length === 0) return [];
  const rows = await db.sql`select jti from received_sets where issuer_id = 'crash' and jti in ${db.sql(acked)}`;
  const stored = new Set(rows.map((r) => r.jti));
  return acked.filter((j) => !stored.has(j));
};

describe('a poller killed with SIGKILL at random points during ingest of 1,000 events', () => {
  it('ends with every event stored exactly once and nothing acknowledged that was not committed', async () => {
    let kills = 0;
    for (let round = 0; round < 8 && issuer.pending > 0; round++) {
      const before = await storedCount();
      const code = await sync(1200 + Math.floor(Math.random() * 2500));
      if (code === null) kills++;
      expect(await unstoredAcks()).toEqual([]);
      expect(await storedCount()).toBeGreaterThanOrEqual(before);
    }
    for (let round = 0; round < 5 && issuer.pending > 0; round++) expect(await sync(null)).toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(issuer.pending).toBe(0);
    expect(await storedCount()).toBe(EVENTS);
    const [row] = await db.sql`select count(distinct jti)::int as distinct_jtis, count(*)::int as n from received_sets where issuer_id = 'crash'`;
    expect(row).toEqual({ distinct_jtis: EVENTS, n: EVENTS });
    const [revisions] = await db.sql`select count(*)::int as n from certificate_revisions where issuer_id = 'crash'`;
    expect(revisions!.n).toBe(EVENTS);
    const [stored] = await db.sql`select count(*)::int as n from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:crash'`;
    expect(stored!.n).toBe(EVENTS);
    expect(jtis.every((j) => issuer.acknowledged.has(j))).toBe(true);
  }, 240_000);
});
