import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIssuer } from '../reference-issuer/index.js';
import { verifyAuditChain } from '../src/auditlog/index.js';
import { registeredIssuer } from './helpers/issuer.js';
import { PrivateCluster } from './helpers/pg-cluster.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { SetLoad } from './helpers/set-load.js';

// A real PostgreSQL stopped and started under shosho serve, not an imitation through a proxy: a
// fast stop ends every session with 57P01, an immediate one is a crash recovered at the next start,
// and while it starts PostgreSQL refuses sessions with 57P03.
const unavailable = PrivateCluster.unavailable();
const cluster = new PrivateCluster();
let sql: postgres.Sql;
let issuer: ReferenceIssuer;
let svc: ServeProcess;
let died: Promise<never>;

beforeAll(async () => {
  if (unavailable) return;
  await cluster.start();
  svc = await startServeProcess({ DATABASE_URL: cluster.url }); // migrates the new cluster
  died = svc.exited.then((code) => {
    throw new Error(`shosho serve exited (${code}):\n${svc.stderr().slice(-2000)}`);
  });
  died.catch(() => {});
  sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  issuer = await registeredIssuer(sql, 'restart');
}, 120_000);
afterAll(async () => {
  svc?.child.kill('SIGKILL');
  await issuer?.close();
  await sql?.end({ timeout: 1 });
  await cluster.destroy();
});

describe.skipIf(unavailable)(`PostgreSQL itself stopped and restarted under push load${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('shosho serve survives fast and immediate stops and restarts, answers 503 with Retry-After while the database is down, recovers by itself, and loses no acknowledged SET', async () => {
    const load = new SetLoad(svc.url, await SetLoad.signed(issuer, 4000, 5_600_000_000));
    const wait = (done: () => boolean, what: string) => Promise.race([load.until(done, died, what), died]);
    load.start(8);
    try {
      await wait(() => load.accepted.size >= 20, 'load');
      for (const mode of ['fast', 'immediate'] as const) {
        const refusedBefore = load.statuses.get(503) ?? 0;
        await cluster.stop(mode);
        await wait(() => (load.statuses.get(503) ?? 0) > refusedBefore, `a 503 after a ${mode} stop`);
        const refused = await fetch(`${svc.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: load.sets[0]!.token });
        expect(refused.status).toBe(503);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await fetch(`${svc.url}/healthz`)).status).toBe(200); // alive: a supervisor must not restart it
        expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
        await cluster.startAgain();
        const accepted = load.accepted.size;
        await wait(() => load.accepted.size >= accepted + 20, `recovery after a ${mode} stop`);
      }
      for (const mode of ['fast', 'immediate'] as const) {
        await cluster.restart(mode); // returns once PostgreSQL accepts sessions again
        const accepted = load.accepted.size;
        await wait(() => load.accepted.size >= accepted + 20, `recovery after a ${mode} restart`);
      }
    } finally {
      await load.stop();
    }
    expect(svc.alive()).toBe(true);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    // a client never sees a 500 for the database going away: 202 or 503 (retry), nothing else
    expect([...load.statuses.keys()].filter((s) => s !== 202 && s !== 503)).toEqual([]);

    const rows = await sql<{ jti: string; n: number }[]>`
      select jti, count(*)::int as n from received_sets where issuer_id = 'restart' group by jti`;
    const stored = new Map(rows.map((r) => [r.jti, r.n]));
    expect([...load.accepted].filter((j) => !stored.has(j))).toEqual([]); // acknowledged: stored
    expect(rows.filter((r) => r.n !== 1)).toEqual([]); // once
    const [counts] = await sql<{ audited: number; revisions: number }[]>`
      select (select count(*)::int from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:restart') as audited,
             (select count(*)::int from certificate_revisions where issuer_id = 'restart') as revisions`;
    expect(counts).toEqual({ audited: rows.length, revisions: rows.length });
    expect((await verifyAuditChain(sql)).intact).toBe(true);
  }, 300_000);
});
