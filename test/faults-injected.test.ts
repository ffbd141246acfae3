import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIssuer } from '../reference-issuer/index.js';
import { verifyAuditChain } from '../src/auditlog/index.js';
import { asDatabaseUnavailable, openDatabase, type Database } from '../src/db/index.js';
import { silentLogger } from '../src/log/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { registeredIssuer } from './helpers/issuer.js';
import { PgProxy, type ServerError } from './helpers/pg-proxy.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { SetLoad } from './helpers/set-load.js';

// PostgreSQL ends a session with a FATAL ErrorResponse and then closes it. The proxy plays that at
// chosen points of a session (the statement's text goes out when a session first prepares it), so
// each case happens on every run instead of by luck of timing.
const TERMINATED: ServerError = { code: '57P01', message: 'terminating connection due to administrator command' };
const PROTOCOL_VIOLATION: ServerError = { code: '08P01', message: 'invalid frontend message type 0' };

let db: TestDatabase;
const proxy = new PgProxy();
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  db = await createTestDatabase();
  await proxy.up();
  process.on('unhandledRejection', onUnhandled);
}, 60_000);
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await proxy.down();
  await db?.drop();
});

/** The pool shosho serve uses, through the proxy, with one connection so every case is on it. */
async function openPool(): Promise<Database> {
  return openDatabase({ url: proxy.url(db.name), dataDir: '/nonexistent', poolMax: 1, log: silentLogger });
}

describe('a session the server ends (the pool shosho serves with)', () => {
  it('while the session starts (fetching array types): the query that opened it runs on the next session; nothing is left unhandled', async () => {
    const pool = await openPool();
    try {
      const ended = proxy.sessionsEnded;
      proxy.endSessionOn('typarray', PROTOCOL_VIOLATION);
      const [row] = await pool.sql<{ answer: number }[]>`select 41 + 1 as answer`;
      expect(proxy.sessionsEnded).toBe(ended + 1);
      expect(row!.answer).toBe(42); // before the patch's second stage: 08P01 of the ended session
      const [next] = await pool.sql<{ answer: number }[]>`select 2 as answer`;
      expect(next!.answer).toBe(2);
    } finally {
      await pool.close();
    }
    expect(unhandled).toEqual([]);
  });

  it("mid-query: that query fails with the server's reason (503 material), and the next session does not inherit it", async () => {
    const pool = await openPool();
    try {
      await pool.sql`select 1`; // the session is up
      const ended = proxy.sessionsEnded;
      proxy.endSessionOn('select 6 * 7', PROTOCOL_VIOLATION);
      const failed = await pool.sql`select 6 * 7 as answer`.then(
        () => null,
        (e: unknown) => e,
      );
      expect(proxy.sessionsEnded).toBe(ended + 1);
      // before the patch's second stage this failed too, with the error of the session that ended
      const [row] = await pool.sql<{ answer: number }[]>`select 6 * 7 as answer`;
      expect(row!.answer).toBe(42);
      expect(failed).toMatchObject({ code: '08P01' });
      expect(asDatabaseUnavailable(failed)).not.toBeNull();
    } finally {
      await pool.close();
    }
    expect(unhandled).toEqual([]);
  });
});

let issuer: ReferenceIssuer;
let svc: ServeProcess;

describe('shosho serve under push load while the server ends its sessions', () => {
  beforeAll(async () => {
    issuer = await registeredIssuer(db.sql, 'injected');
    svc = await startServeProcess({ DATABASE_URL: proxy.url(db.name) });
  }, 60_000);
  afterAll(async () => {
    svc?.child.kill('SIGKILL');
    await issuer?.close();
  });

  // where the session ends: as it starts, inside an ingest transaction (its insert, the audit
  // chain's lock) and at its COMMIT (which then never reaches the server)
  const POINTS = ['typarray', 'insert into received_sets', 'pg_advisory_xact_lock', 'commit'];
  const ROUNDS = 4;

  it(`survives ${ROUNDS * POINTS.length} sessions ended at ${POINTS.length} points, both with 08P01 and 57P01; every 202 is stored and audited once`, async () => {
    const load = new SetLoad(svc.url, await SetLoad.signed(issuer, 3000, 5_500_000_000));
    const died = svc.exited.then((code) => {
      throw new Error(`shosho serve exited (${code}):\n${svc.stderr().slice(-2000)}`);
    });
    died.catch(() => {});
    load.start(8);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const point of POINTS) {
          const before = proxy.sessionsEnded;
          const accepted = load.accepted.size;
          await Promise.race([load.until(() => load.accepted.size >= accepted + 2, died, `load before ${point}`), died]);
          proxy.endSessionOn(point, round % 2 ? TERMINATED : PROTOCOL_VIOLATION);
          proxy.reset(); // fresh sessions prepare their statements again, so the text goes out
          await Promise.race([load.until(() => proxy.sessionsEnded > before, died, `a session ended at ${point}`), died]);
          const after = load.accepted.size;
          await Promise.race([load.until(() => load.accepted.size > after, died, `recovery after ${point}`), died]);
        }
      }
    } finally {
      await load.stop();
    }
    expect(svc.alive()).toBe(true);
    expect([...load.statuses.keys()].filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect(proxy.violations).toEqual([]); // nothing of a dead session was sent on a live one

    const rows = await db.sql<{ jti: string; n: number }[]>`
      select jti, count(*)::int as n from received_sets where issuer_id = 'injected' group by jti`;
    const stored = new Map(rows.map((r) => [r.jti, r.n]));
    expect([...load.accepted].filter((j) => !stored.has(j))).toEqual([]); // nothing acknowledged is lost
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    const [counts] = await db.sql<{ audited: number; revisions: number }[]>`
      select (select count(*)::int from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:injected') as audited,
             (select count(*)::int from certificate_revisions where issuer_id = 'injected') as revisions`;
    expect(counts).toEqual({ audited: rows.length, revisions: rows.length });
    expect((await verifyAuditChain(db.sql)).intact).toBe(true);
  }, 300_000);
});
