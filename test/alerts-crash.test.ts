import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWebhook, raiseMissingGuarantees } from '../src/alerts/index.js';
import { contractInputSchema, putContract } from '../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebhookReceiver, type Received } from './helpers/webhook-receiver.js';

let db: TestDatabase;
const receiver = new WebhookReceiver();
const children = new Set<ChildProcess>();

/** `shosho serve` as its own process, so that it can be killed with SIGKILL. */
function serve(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'error',
      SHOSHO_PDF_WARMUP: 'false',
      SHOSHO_POLL_INTERVAL_SECONDS: '3600',
      SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'true',
      SHOSHO_WEBHOOK_RETRY_MS: '50',
    },
    stdio: 'ignore',
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A contract whose 契約保証 is long overdue, and the scheduled check's `missing` alert: its webhook is queued with it. */
async function raise(contract: string): Promise<string> {
  const input = contractInputSchema.parse({
    projectName: `${contract} 道路改良工事`,
    contractor: { name: '瀬戸内建設株式会社' },
    contractPrice: 123_200_000,
    contractDate: '2024-06-01',
    period: { from: '2024-06-03', to: '2025-03-14' },
    required: ['contract'],
  });
  await putContract(db.sql as never, 'hiroshima', contract, input, { actor: 'test' });
  await raiseMissingGuarantees(db.sql as never);
  const [row] = await db.sql`select o.id from outbox o join alerts a on a.id = o.alert_id where a.contract = ${contract}`;
  return `msg_${row!.id}`;
}

const of = (id: string) => (rs: Received[]) => rs.filter((r) => r.id === id);
const delivered = async (id: string) => (await db.sql`select delivered_at from outbox where id = ${id.slice(4)}`)[0]!.delivered_at as Date | null;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' });
  await addWebhook(db.sql, { orgId: 'hiroshima', url: await receiver.listen(), actor: 'test', allowPrivate: true });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await receiver.close();
  await db?.drop();
});

describe('the outbox survives SIGKILL of the service mid-delivery', () => {
  it('repeats the delivery that was not answered, delivers the answered one at most once more, and then never again', async () => {
    const unanswered = await raise('R6-道-101');
    const answered = await raise('R6-道-102');
    let first: ChildProcess | null = null;
    // the instance dies while one request waits for an answer and just after the other was answered 2xx
    receiver.answer = (r, nth) => {
      if (r.id === unanswered && nth === 0) return 'hang';
      return 'ok';
    };
    first = serve();
    await receiver.waitFor((rs) => of(unanswered)(rs).length === 1 && of(answered)(rs).length === 1, 'both first attempts');
    await kill(first);
    expect(await delivered(unanswered)).toBeNull();

    const second = serve();
    await receiver.waitFor((rs) => of(unanswered)(rs).some((r) => r.answered === 'ok'), 'the unanswered delivery again', 90_000);
    await expect.poll(() => delivered(unanswered), { timeout: 30_000, interval: 50 }).not.toBeNull();
    await expect.poll(() => delivered(answered), { timeout: 30_000, interval: 50 }).not.toBeNull();
    const bodies = of(unanswered)(receiver.received).map((r) => r.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toBe(bodies[1]);

    // a later alert goes through the same worker: by then nothing delivered is sent again
    const later = await raise('R6-道-103');
    await receiver.waitFor((rs) => of(later)(rs).length === 1, 'a later alert');
    expect(of(answered)(receiver.received).length).toBeLessThanOrEqual(2);
    expect(of(unanswered)(receiver.received)).toHaveLength(2);
    await kill(second);
  }, 150_000);
});
