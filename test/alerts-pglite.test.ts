import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWebhook, raiseMissingGuarantees } from '../src/alerts/index.js';
import { loadConfig } from '../src/config/index.js';
import { contractInputSchema, putContract } from '../src/ledger/index.js';
import { silentLogger } from '../src/log/index.js';
import { startService, type RunningService } from '../src/service/index.js';
import { seedOrganisation } from './helpers/seed.js';
import { AUDIENCE } from './helpers/service.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-alerts-pglite-'));
const receiver = new WebhookReceiver();
let service: RunningService;

beforeAll(async () => {
  service = await startService(
    loadConfig({
      PORT: '0',
      SHOSHO_DATA_DIR: dataDir,
      SHOSHO_AUDIENCE: AUDIENCE,
      SHOSHO_PDF_WARMUP: 'false',
      SHOSHO_POLL_INTERVAL_SECONDS: '3600',
      SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'true',
      SHOSHO_WEBHOOK_RETRY_MS: '50',
    }),
    silentLogger,
  );
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await receiver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the outbox on the embedded PGlite (one connection)', () => {
  it('claims, retries and delivers a webhook with the same id, signed', async () => {
    expect(service.db.kind).toBe('pglite');
    const sql = service.db.sql;
    await seedOrganisation(sql as never, { id: 'hiroshima', name: '広島県', code: '340006' });
    const { secret } = await addWebhook(sql, { orgId: 'hiroshima', url: await receiver.listen(), actor: 'test', allowPrivate: true });
    receiver.answer = (_r, nth) => (nth === 0 ? 'fail' : 'ok');
    const input = contractInputSchema.parse({
      projectName: '県道改良工事',
      contractor: { name: '瀬戸内建設株式会社' },
      contractPrice: 50_000_000,
      contractDate: '2024-06-01',
      period: { from: '2024-06-03', to: '2025-03-14' },
      required: ['contract'],
    });
    await putContract(sql, 'hiroshima', 'R6-道-301', input, { actor: 'test' });
    expect(await raiseMissingGuarantees(sql)).toBe(1);
    const got = await receiver.waitFor((rs) => rs.some((r) => r.answered === 'ok'), 'a delivery after one failure');
    expect(got.map((r) => r.answered)).toEqual(['fail', 'ok']);
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    const body = new Webhook(secret).verify(got[1]!.body, got[1]!.headers) as { data: { type: string; contract: string } };
    expect(body.data).toMatchObject({ type: 'missing', contract: 'R6-道-301' });
    await expect.poll(async () => (await sql`select delivered_at from outbox`)[0]!.delivered_at, { timeout: 10_000, interval: 50 }).not.toBeNull();
  }, 60_000);
});
