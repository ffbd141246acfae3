import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain, type AuditWatermark } from '../src/auditlog/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { seedOrganisation } from './helpers/seed.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { WebClient } from './helpers/web-client.js';

let db: TestDatabase;
let svc: ServeProcess;
let password: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-tail-'));
const watermarkFile = path.join(dataDir, 'audit-watermark.json');

beforeAll(async () => {
  db = await createTestDatabase();
  ({ password } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'kansa', role: 'auditor' }]));
  svc = await startServeProcess({ DATABASE_URL: db.url, SHOSHO_DATA_DIR: dataDir });
}, 60_000);
afterAll(async () => {
  svc?.child.kill('SIGKILL');
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const watermark = (): AuditWatermark | null => (fs.existsSync(watermarkFile) ? JSON.parse(fs.readFileSync(watermarkFile, 'utf8')) : null);

/** Resolves once the service has recorded, outside the database, that it saw entry `seq` committed. */
async function recordedUpTo(seq: number): Promise<AuditWatermark> {
  for (;;) {
    const w = watermark();
    if (w && w.seq >= seq) return w;
    if (!svc.alive()) throw new Error(`shosho serve exited:\n${svc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the audit chain check notices a lost tail', () => {
  it('entries the service saw committed, then lost behind its back (the chain itself still verifies): /audit/verify reports them', async () => {
    const auditor = new WebClient(svc.url);
    await auditor.login('kansa', password);
    await recordAudit(
      db.sql,
      Array.from({ length: 10 }, (_, i) => ({ action: 'audit.verify' as const, outcome: 'success', actor: `test:${i}` })),
    );
    const [last] = await db.sql<{ seq: string }[]>`select max(seq) as seq from audit_log`;
    const seen = await recordedUpTo(Number(last!.seq));
    expect((await auditor.get('/audit/verify')).text).toContain('result-passed');

    // the newest entries vanish, as when a second process wrote the same embedded database or an
    // older backup was restored: what remains is still a valid chain
    await db.sql.begin(async (tx) => {
      await tx`alter table audit_log disable trigger audit_log_no_update`;
      await tx`delete from audit_log where seq > ${seen.seq - 5}`;
      await tx`alter table audit_log enable trigger audit_log_no_update`;
    });
    expect((await verifyAuditChain(db.sql)).intact).toBe(true);

    const page = await auditor.get('/audit/verify');
    expect(page.text).toContain('result-failed');
    expect(page.text).toContain(`連番${seen.seq}`);
    expect(page.text).toContain('監査ログの末尾が失われ');
    const [logged] = await db.sql`select outcome, detail from audit_log where action = 'audit.verify' order by seq desc limit 1`;
    expect(logged!.outcome).toBe('broken');
    expect(watermark()!.seq).toBe(seen.seq); // the evidence stays, though new entries follow
  }, 60_000);
});
