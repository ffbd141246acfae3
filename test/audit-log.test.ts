import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain } from '../src/auditlog/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';
import { WebClient } from './helpers/web-client.js';

let db: TestDatabase;
let base: string;
let stop: () => Promise<void>;
let hiroshima: { password: string };
let okayama: { password: string };

beforeAll(async () => {
  db = await createTestDatabase();
  const svc = await startTestService(db);
  base = svc.url;
  stop = svc.stop;
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'auditor' },
    { username: 'root', role: 'admin' },
  ]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'okansa', role: 'auditor' }]);
});
afterAll(async () => {
  await stop?.();
  await db?.drop();
});

const signedIn = async (username: string, password: string) => {
  const web = new WebClient(base);
  await web.login(username, password);
  return web;
};

describe('the audit log is append-only and hash-chained', () => {
  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await recordAudit(db.sql, [{ action: 'audit.verify', outcome: 'success', actor: 'test' }]);
    await expect(db.sql`update audit_log set actor = 'someone else'`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from audit_log`).rejects.toThrow(/append-only/);
    await expect(db.sql`truncate audit_log`).rejects.toThrow(/append-only/);
  });

  it('stays a valid chain under concurrent writers on separate connections (as several instances would)', async () => {
    const instances = [postgres(db.url, { max: 4 }), postgres(db.url, { max: 4 }), postgres(db.url, { max: 4 })];
    await Promise.all(
      instances.flatMap((sql, i) =>
        Array.from({ length: 40 }, (_, j) =>
          recordAudit(sql, [
            { action: 'audit.verify', outcome: 'success', actor: `instance-${i}`, detail: { j } },
            { action: 'audit.verify', outcome: 'second', actor: `instance-${i}` },
          ]),
        ),
      ),
    );
    await Promise.all(instances.map((s) => s.end()));
    const report = await verifyAuditChain(db.sql);
    expect(report.intact).toBe(true);
    const [row] = await db.sql`select count(*)::int as n, max(seq)::int as max from audit_log`;
    expect(row!.n).toBe(row!.max); // no gaps
    expect((await db.sql`select count(*)::int as n from audit_log where actor like 'instance-%'`)[0]!.n).toBe(240);
  });
});

describe('auditors and the log', () => {
  it('a clerk cannot open the audit pages; an auditor sees only their organisation; an admin sees all', async () => {
    const clerk = await signedIn('tanaka', hiroshima.password);
    expect((await clerk.get('/audit')).status).toBe(403);
    const auditor = await signedIn('kansa', hiroshima.password);
    const own = await auditor.get('/audit?action=login');
    expect(own.status).toBe(200);
    expect(own.text).toContain('tanaka');
    expect(own.text).not.toContain('okansa');
    await signedIn('okansa', okayama.password);
    const admin = await signedIn('root', hiroshima.password);
    expect((await admin.get('/audit?action=login')).text).toContain('okansa');
    const csv = await auditor.get('/audit.csv?action=login');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('tanaka');
    expect((await auditor.get('/audit?from=2024-02-30')).status).toBe(422);
  });

  it('/audit/verify reports an intact chain, then the first broken entry when a row is changed or deleted behind the application', async () => {
    const auditor = await signedIn('kansa', hiroshima.password);
    let page = await auditor.get('/audit/verify');
    expect(page.text).toContain('result-passed');

    const [target] = await db.sql`select seq from audit_log where actor like 'instance-%' order by seq limit 1 offset 10`;
    const seq = Number(target!.seq);
    await db.sql.begin(async (tx) => {
      await tx`alter table audit_log disable trigger audit_log_no_update`;
      await tx`update audit_log set actor = 'mallory' where seq = ${seq}`;
      await tx`alter table audit_log enable trigger audit_log_no_update`;
    });
    page = await auditor.get('/audit/verify');
    expect(page.text).toContain('result-failed');
    expect(page.text).toContain(`連番${seq}`);
    expect((await verifyAuditChain(db.sql)).firstBroken).toEqual({ seq, reason: expect.stringMatching(/content does not match/) });

    const before = seq - 3;
    await db.sql.begin(async (tx) => {
      await tx`alter table audit_log disable trigger audit_log_no_update`;
      await tx`delete from audit_log where seq = ${before}`;
      await tx`alter table audit_log enable trigger audit_log_no_update`;
    });
    expect((await verifyAuditChain(db.sql)).firstBroken).toEqual({ seq: before, reason: expect.stringMatching(/missing/) });
    const [logged] = await db.sql`select outcome from audit_log where action = 'audit.verify' order by seq desc limit 1`;
    expect(logged!.outcome).toBe('broken');
  });
});
