import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { startTestService } from './helpers/service.js';

/** Every metric name the service had before prom-client: dashboards, tests and BENCHMARKS rely on them. */
const KEPT = [
  ['shosho_http_requests_total', 'counter'],
  ['shosho_http_request_duration_seconds', 'histogram'],
  ['shosho_feed_poll_rounds_total', 'counter'],
  ['shosho_process_memory_bytes', 'gauge'],
  ['shosho_db_pool_max_connections', 'gauge'],
  ['shosho_scrypt', 'gauge'],
  ['shosho_pdf', 'gauge'],
  ['shosho_feed_events_ingested', 'gauge'],
  ['shosho_feed_events_refused', 'gauge'],
  ['shosho_feed_lag_seconds', 'gauge'],
  ['shosho_feed_consecutive_failures', 'gauge'],
  ['shosho_feed_failing', 'gauge'],
] as const;

/** The Prometheus text exposition format, line by line (version 0.0.4). */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABELS = `\\{(${NAME}="(?:[^"\\\\\\n]|\\\\[\\\\n"])*",?)*\\}`;
// values parse as Go's ParseFloat does: prom-client writes an empty event-loop histogram's mean as `Nan`
const SAMPLE = new RegExp(`^${NAME}(${LABELS})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|[+-]Inf)$`);
const COMMENT = new RegExp(`^# (HELP ${NAME} .*|TYPE ${NAME} (counter|gauge|histogram|summary|untyped))$`);

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startTestService>>;
const scrape = async () => {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};
const sample = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db);
});
afterAll(async () => {
  await service?.stop();
  await db?.drop();
});

describe('GET /metrics (prom-client)', () => {
  it('is valid Prometheus text, each family typed once', async () => {
    const text = await scrape();
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !SAMPLE.test(l) && !COMMENT.test(l))).toEqual([]);
    const types = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(types.length).toBe(new Set(types).size);
  });

  it('keeps every metric name and type the service had', async () => {
    const text = await scrape();
    for (const [name, type] of KEPT) expect(text, name).toContain(`# TYPE ${name} ${type}\n`);
    expect(text).toMatch(/shosho_process_memory_bytes\{type="rss"\} \d+/);
    expect(text).toMatch(/shosho_scrypt\{state="queued"\} 0/);
  });

  it("has the process's own metrics, the event-loop lag among them", async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, /^nodejs_eventloop_lag_seconds (\S+)$/m)).toBeGreaterThanOrEqual(0);
  });

  it('counts and times each request by route and status', async () => {
    const count = /^shosho_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m;
    const timed = /^shosho_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} (\d+)$/m;
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const after = await scrape();
    expect(sample(after, count) - (sample(before, count) || 0)).toBe(3);
    expect(sample(after, timed) - (sample(before, timed) || 0)).toBe(3);
    expect(after).toMatch(/^shosho_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz",status="200"\} \d+$/m);
  });
});
