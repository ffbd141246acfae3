/**
 * Alerts: ingest throughput with alert matching on (FILED filed certificates; INCOMING incoming
 * revisions, one change revision for each filed certificate among them, each raising a
 * new_revision alert and queueing its webhook) against the same ingest of INCOMING revisions of
 * which none concerns a filed certificate, batch by batch in turn in one run. Target: ≥ 90%.
 * Then webhook deliveries per second from the outbox (the real OutboxWorker: claim under a lease,
 * sign, POST, record) to a local receiver, against bare POSTs of the same bodies at the same
 * concurrency.
 *
 *   node --import tsx bench/alerts.ts     (BENCH_ALERTS_FILED=1000 BENCH_ALERTS_INCOMING=10000)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addWebhook, OutboxWorker } from '../src/alerts/index.js';
import { ingest, KeyStore, verifySet, type VerifiedSet } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { changeRevision } from '../reference-issuer/index.js';
import { main, onCleanup } from './lib/cleanup.js';
import { createBenchDatabase } from './lib/db.js';
import { AUDIENCE, digestFor, HIROSHIMA, KINDS, payload, registerIssuer, seedOrganisation } from './lib/fixtures.js';
import { busyness } from './lib/machine.js';
import { Report } from './lib/report.js';
import { num, pct } from './lib/stats.js';

const FILED = Number(process.env.BENCH_ALERTS_FILED ?? 1000);
const INCOMING = Number(process.env.BENCH_ALERTS_INCOMING ?? 10000);
const BATCH = 100;
const WORKER_BATCH = 20;

main(
  async () => {
    const report = new Report('alerts', `Alerts: ingest with alert matching, webhook deliveries (${FILED} filed, ${INCOMING} incoming)`);
    const db = await createBenchDatabase('alerts');
    const { sql } = db;
    const issuer = await registerIssuer(sql);
    await seedOrganisation(sql, HIROSHIMA);
    const receiver = await startReceiver();
    await addWebhook(sql, { orgId: HIROSHIMA.id, url: receiver.url, actor: 'bench', allowPrivate: true });
    const keys = new KeyStore(sql, { log: silentLogger });
    const digest = await digestFor('BENCH-KEY-0001', 14);
    let next = 3_000_000_000;
    const fresh = () => String(next++);

    const verify = async (payloads: unknown[]): Promise<VerifiedSet[]> => {
      const out: VerifiedSet[] = [];
      for (let i = 0; i < payloads.length; i += 200) {
        const tokens = await Promise.all(payloads.slice(i, i + 200).map((p) => issuer.sign(p)));
        for (const r of await Promise.all(tokens.map((t) => verifySet(t.token, { keys, audience: AUDIENCE })))) {
          if (!r.ok) throw new Error(`bench SET refused: ${JSON.stringify(r)}`);
          out.push(r.value);
        }
      }
      return out;
    };
    const ingestBatch = async (batch: VerifiedSet[]) => {
      const t = performance.now();
      const outcomes = await ingest(sql, batch, 'poll');
      if (outcomes.some((o) => o.status !== 'stored')) throw new Error('bench ingest: not every SET was stored');
      return performance.now() - t;
    };
    const ingestAll = async (sets: VerifiedSet[]) => {
      for (let i = 0; i < sets.length; i += BATCH) await ingestBatch(sets.slice(i, i + BATCH));
    };

    // warm-up, not counted: the first ingest also pays for JIT and cold caches
    await ingestAll(await verify(Array.from({ length: Math.min(INCOMING, 1000) }, (_, i) => payload(i, fresh(), KINDS[i % 3]!, digest))));
    // FILED certificates filed first (not timed); then INCOMING revisions with a change revision of each filed one spread among new
    // certificates, against INCOMING new certificates none of which is filed
    const filed = Array.from({ length: FILED }, (_, i) => payload(i, fresh(), KINDS[i % 3]!, digest));
    await ingestAll(await verify(filed));
    await fileAll(
      sql,
      filed.map((p) => p.number),
    );
    const every = Math.floor(INCOMING / FILED);
    const matching = await verify(
      Array.from({ length: INCOMING }, (_, i) =>
        i % every === 0 && i / every < FILED ? changeRevision(filed[i / every]!, 1, digest, '2024-09-02') : payload(i, fresh(), KINDS[i % 3]!, digest),
      ),
    );
    const unmatched = await verify(Array.from({ length: INCOMING }, (_, i) => payload(i, fresh(), KINDS[i % 3]!, digest)));
    const before = (await sql<{ n: number }[]>`select count(*)::int as n from alerts`)[0]!.n;
    // the two ingests batch by batch, alternating which goes first, so the machine's load falls on both alike
    let matchMs = 0;
    let noneMs = 0;
    for (let i = 0, k = 0; i < INCOMING; i += BATCH, k++) {
      const m = matching.slice(i, i + BATCH);
      const n = unmatched.slice(i, i + BATCH);
      if (k % 2 === 0) {
        matchMs += await ingestBatch(m);
        noneMs += await ingestBatch(n);
      } else {
        noneMs += await ingestBatch(n);
        matchMs += await ingestBatch(m);
      }
    }
    const after = (await sql<{ n: number }[]>`select count(*)::int as n from alerts`)[0]!.n;
    if (after - before !== FILED) throw new Error(`bench: expected ${FILED} alerts, got ${after - before}`);
    const matchRate = (INCOMING / matchMs) * 1000;
    const noneRate = (INCOMING / noneMs) * 1000;
    const ratio = matchRate / noneRate;
    report.add({
      figure: `ingest() with alert matching, ${INCOMING} revisions of which ${FILED} change a filed certificate (each raises an alert and queues a webhook), batches of ${BATCH}`,
      measured: `${num(matchRate)} SETs/s`,
      raw: `${num(noneRate)} SETs/s, ${INCOMING} revisions of certificates nobody filed`,
      ratio: pct(ratio),
      target: '≥ 90%',
      met: ratio >= 0.9,
    });

    // ---- webhook deliveries: everything the match runs queued, sent by the real worker
    const queued = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where delivered_at is null`)[0]!.n;
    const bodies = (await sql<{ body: string }[]>`select body from outbox limit 2000`).map((r) => r.body);
    const raw = await bareDeliveries(receiver.url, bodies, WORKER_BATCH);
    const worker = new OutboxWorker({ sql, log: silentLogger, retryMs: 30_000, allowPrivate: true, mailer: null, batch: WORKER_BATCH, idleMs: 50 });
    const received0 = receiver.count();
    const t = performance.now();
    worker.start();
    onCleanup(() => worker.stop());
    await receiver.until(received0 + queued);
    const elapsed = performance.now() - t;
    await worker.stop();
    const left = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where delivered_at is null`)[0]!.n;
    const rate = (queued / elapsed) * 1000;
    report.add({
      figure: `webhook deliveries from the outbox to a local receiver (claim ${WORKER_BATCH} under a lease, sign, POST, record; ${queued} queued, ${left} left)`,
      measured: `${num(rate)} deliveries/s`,
      raw: `${num(raw)} bare POSTs/s, ${WORKER_BATCH} in flight`,
      ratio: pct(rate / raw),
      target: 'report',
      met: null,
    });
    report.note(
      `${busyness()} ` +
        'The receiver runs in the benchmark process; ingest() is called directly (no HTTP, signatures verified beforehand), and the two ingests alternate batch by batch in one database (the filed certificates present for both), so the ratio isolates what alert matching adds to the ingest transaction.',
    );
    report.save();
    await receiver.close();
    await db.drop();
  },
  { timeLimitMs: 20 * 60_000 },
);

/** Files certificates for the organisation as archiveRevision would, without making PDFs (the bench measures ingest). */
async function fileAll(sql: Awaited<ReturnType<typeof createBenchDatabase>>['sql'], numbers: string[]) {
  await sql`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived,
      issuer_id, number, kind, revision, revision_type, project_name, contractor, obligee, search_text)
    select ${HIROSHIMA.id}, r.id, '\\x00'::bytea, repeat('0', 64), s.jws_sha256, 'bench', 'current',
      r.issuer_id, r.number, r.kind, r.revision, r.revision_type, r.payload -> 'project' ->> 'name', r.payload -> 'contractor' ->> 'name', r.obligee_name, r.number
    from certificate_revisions r join received_sets s on s.id = r.set_id
    where r.number in ${sql(numbers)}`;
}

async function startReceiver() {
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204).end();
      count++;
      for (const w of waiters.filter((x) => count >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    count: () => count,
    until: (n: number) => new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The same bodies POSTed with node:http, `inFlight` at a time, a new connection each (as the worker does). */
async function bareDeliveries(url: string, bodies: string[], inFlight: number): Promise<number> {
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const t = performance.now();
  for (let i = 0; i < bodies.length; i += inFlight) await Promise.all(bodies.slice(i, i + inFlight).map(post));
  return (bodies.length / (performance.now() - t)) * 1000;
}
