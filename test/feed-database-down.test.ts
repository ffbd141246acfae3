import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, findIssuer, KeyStore, pollOnce } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { PgProxy } from './helpers/pg-proxy.js';
import { AUDIENCE, startTestService } from './helpers/service.js';

let db: TestDatabase;
let issuer: ReferenceIssuer;
const proxy = new PgProxy();
let viaProxy: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'dbdown');
  await proxy.up();
  viaProxy = postgres(proxy.url(db.name), { max: 2, onnotice: () => {}, connect_timeout: 10 });
});
afterAll(async () => {
  await viaProxy?.end({ timeout: 1 });
  await proxy.down();
  await issuer?.close();
  await db?.drop();
});

let serial = 0;
const signed = async () => issuer.sign(CERTIFICATE_EVENT, await certificate(String(5_500_000_000 + ++serial), 'AB12CD34'));

describe('with the database unreachable, a SET is never refused (SPEC §2.3)', () => {
  it("push answers 503 with Retry-After, telling nothing of the failure; the issuer's retry is accepted once the database is back", async () => {
    const service = await startTestService({ ...db, url: proxy.url(db.name) });
    const push = (token: string) => fetch(`${service.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: token });
    try {
      const s = await signed();
      await proxy.down();
      try {
        const res = await push(s.token);
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ description: 'shosho cannot check or store the SET now; deliver it again later' });
      } finally {
        await proxy.up();
      }
      let status = 503;
      for (let i = 0; i < 100 && status === 503; i++) {
        status = (await push(s.token)).status;
        if (status === 503) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(202);
      expect((await db.sql`select 1 from received_sets where jti = ${s.jti}`).length).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it("the receiver behind push: unavailable (the route's 503), with nothing of shosho's own failure told to the client", async () => {
    const receiver = createReceiver({ sql: viaProxy, keys: new KeyStore(viaProxy, { log: silentLogger }), audience: AUDIENCE, log: silentLogger });
    const s = await signed();
    await proxy.down();
    try {
      const [result] = await receiver.receive([s.token], 'push');
      expect(result).toEqual({ status: 'unavailable', description: 'shosho cannot check or store the SET now; deliver it again later' });
    } finally {
      await proxy.up();
    }
    const [retried] = await receiver.receive([s.token], 'push');
    expect(retried!.status).toBe('stored');
  });

  it('a poll neither acknowledges nor reports what it could not check, and the next poll stores it', async () => {
    const receiver = createReceiver({ sql: viaProxy, keys: new KeyStore(viaProxy, { log: silentLogger }), audience: AUDIENCE, log: silentLogger });
    const opts = { sql: viaProxy, receiver, log: silentLogger, intervalMs: 1000 };
    const row = (await findIssuer(db.sql, { id: 'dbdown' }))!;
    const sets = [await signed(), await signed()];
    for (const s of sets) issuer.enqueue(s);
    await proxy.down();
    const summary = await pollOnce(row, opts);
    expect(summary.deferred.map((d) => d.jti).sort()).toEqual(sets.map((s) => s.jti).sort());
    expect(summary.refused).toEqual([]);
    expect(sets.some((s) => issuer.acknowledged.has(s.jti) || issuer.errors.has(s.jti))).toBe(false);
    expect(issuer.pending).toBe(2);
    await proxy.up();
    const again = await pollOnce(row, opts);
    expect(again.stored).toBe(2);
    expect(sets.every((s) => issuer.acknowledged.has(s.jti))).toBe(true);
  });
});
