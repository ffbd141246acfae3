/**
 * Certificate page: requests/s and p50/p99 of GET /certificates/:id for an unlocked certificate
 * with signed-in sessions at 100 concurrent clients, against a bare Hono handler rendering the same
 * template from memory (createRenderer(), the same view data) on @hono/node-server, in the same
 * run. Targets: ≥ 50% of bare; p99 < 50 ms. The service and the bare handler run with the node flags of
 * `npm start` (SERVICE_NODE_FLAGS); the service with Node's defaults runs beside them, to measure them.
 *
 *   node --import tsx bench/page.ts          (BENCH_PAGE_SECONDS=20 BENCH_PAGE_CLIENTS=100)
 */
import { main } from './lib/cleanup.js';
import { peakRssOf, spawnChild, type Child } from './lib/child.js';
import { createBenchDatabase } from './lib/db.js';
import { SERVICE_NODE_FLAGS, spawnService } from './lib/service.js';
import { HIROSHIMA, issueCertificates, registerIssuer, revisionId, seedOrganisation, session, unlock } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText, type Req } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { sampleWaits } from './lib/pg-waits.js';
import { Report } from './lib/report.js';
import { num, pct } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_PAGE_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_PAGE_CLIENTS ?? 100);
/** paced run: each client one page every this many ms */
const INTERVAL_MS = Number(process.env.BENCH_PAGE_INTERVAL_MS ?? 1000);

main(
  async () => {
    const report = new Report('page', 'Certificate page: GET /certificates/:id vs a bare Hono handler');
    const db = await createBenchDatabase('bench_page');
    const issuer = await registerIssuer(db.sql);
    const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
    const [number] = await issueCertificates(db.sql, issuer, { first: 2_070_004_426, count: 1, authKey: 'QW12-ER34-TY56' });
    const id = await revisionId(db.sql, number!);
    await unlock(db.sql, HIROSHIMA.id, [id]);
    const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => session(db.sql, org.userIds.tanaka!)));

    const run = async (child: Child, label: string, withCookie: boolean, intervalMs?: number) => {
      const client = new HttpClient(String(child.ready.url), CLIENTS);
      const next = (c: number): Req => ({ method: 'GET', path: `/certificates/${id}`, headers: withCookie ? { cookie: sessions[c]!.cookie } : {} });
      const first = await client.request({ ...next(0), keepBody: true });
      if (first.status !== 200 || !first.body!.toString().includes(number!))
        throw new Error(`${label}: the page did not show the certificate (${first.status})`);
      await closedLoop({ client, clients: CLIENTS, durationMs: 3000, next, intervalMs }); // warm-up
      const waits = sampleWaits(db.sql, db.name);
      const c0 = cpuSnapshot({ [label]: child.pid });
      const r = await closedLoop({ client, clients: CLIENTS, durationMs: SECONDS * 1000, next, intervalMs });
      const cpu = cpuBetween(c0, cpuSnapshot({ [label]: child.pid }));
      const waited = await waits.stop();
      client.close();
      const load = loadavg();
      console.log(
        `${label}${intervalMs ? ` paced (1 per ${intervalMs} ms per client)` : ''}: ${num(r.rate)} req/s, p50 ${num(r.latency.p50)} ms, p99 ${num(r.latency.p99)} ms, ${statusText(r.statuses)}, ${first.bytes} B; CPU/request ${label} ${num((cpu.pids[label]! / r.requests) * 1e6, 0)} µs, PostgreSQL ${num((cpu.postgres / r.requests) * 1e6, 0)} µs, generator ${num((cpu.pids.self! / r.requests) * 1e6, 0)} µs; others ${num(cpu.others, 1)} CPU-s; database waits: ${waited}  [load ${load}]`,
      );
      if (r.errors.length || r.statuses.get(200) !== r.requests)
        throw new Error(`${label}: not every request answered 200: ${statusText(r.statuses)} ${r.errors.slice(0, 3)}`);
      return { r, cpu, waited, load, bytes: first.bytes };
    };

    const svc = await spawnService(db, { label: 'service' });
    const defaults = await spawnService(db, { label: 'defaults', nodeArgs: [] });
    // the service with recordAudit as it was before group commit (one transaction per view), to measure that change
    const before = await spawnService(db, { label: 'before', proto: ['audit-per-call'] });
    const bare = await spawnChild(
      'bench/lib/bare-page-child.ts',
      {
        DATABASE_URL: db.url,
        ORG_ID: HIROSHIMA.id,
        REVISION_ID: id,
        USERNAME: 'tanaka',
        ORG_NAME: HIROSHIMA.name,
        CSRF: sessions[0]!.csrf,
      },
      { label: 'bare', nodeArgs: [...SERVICE_NODE_FLAGS] },
    );

    // bare, service, bare, service: each figure is the better of two, and drift shows
    const results: Record<string, Array<Awaited<ReturnType<typeof run>>>> = { bare: [], service: [], defaults: [], before: [] };
    for (let round = 0; round < 2; round++) {
      results.bare!.push(await run(bare, 'bare', false));
      results.service!.push(await run(svc, 'service', true));
      results.defaults!.push(await run(defaults, 'defaults', true));
      results.before!.push(await run(before, 'before', true));
    }
    const paced = {
      bare: await run(bare, 'bare', false, INTERVAL_MS),
      service: await run(svc, 'service', true, INTERVAL_MS),
      before: await run(before, 'before', true, INTERVAL_MS),
    };
    const mib = (child: Child) => num(peakRssOf(child.pid) / 2 ** 20, 0);
    const peakRss = `peak RSS: service ${mib(svc)} MiB, with Node's defaults ${mib(defaults)} MiB, bare ${mib(bare)} MiB`;
    await bare.stop();
    await svc.stop();
    await defaults.stop();
    await before.stop();
    type Run = Awaited<ReturnType<typeof run>>;
    const best = (xs: Run[]) => xs.reduce((a, b) => (b.r.rate > a.r.rate ? b : a));
    const s = best(results.service!);
    const b = best(results.bare!);
    const pr = best(results.before!);
    const d = best(results.defaults!);
    const [views] = await db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where action = 'certificate.view'`;

    report.add({
      figure: `GET /certificates/:id, ${CLIENTS} clients, signed in`,
      measured: `${num(s.r.rate)} req/s (p50 ${num(s.r.latency.p50)} ms)`,
      raw: `${num(b.r.rate)} req/s bare (p50 ${num(b.r.latency.p50)} ms, p99 ${num(b.r.latency.p99)} ms)`,
      ratio: pct(s.r.rate / b.r.rate),
      target: '≥ 50% of bare',
      met: s.r.rate / b.r.rate >= 0.5,
    });
    report.add({
      figure: `p99 at ${CLIENTS} clients, each one page per ${INTERVAL_MS / 1000} s (${num(paced.service.r.rate, 0)} req/s offered)`,
      measured: `${num(paced.service.r.latency.p99)} ms (p50 ${num(paced.service.r.latency.p50)} ms)`,
      raw: `${num(paced.bare.r.latency.p99)} ms bare`,
      ratio: `${num(paced.service.r.latency.p99 / paced.bare.r.latency.p99)}×`,
      target: '< 50 ms',
      met: paced.service.r.latency.p99 < 50,
    });
    report.add({
      figure: `p99 at ${CLIENTS} clients flat out (saturated)`,
      measured: `${num(s.r.latency.p99)} ms`,
      raw: `${num(b.r.latency.p99)} ms bare`,
      ratio: `${num(s.r.latency.p99 / b.r.latency.p99)}×`,
      target: '< 50 ms',
      met: s.r.latency.p99 < 50,
    });
    report.add({
      figure: `the same with Node's default young generation (without ${SERVICE_NODE_FLAGS.join(' ')})`,
      measured: `${num(d.r.rate)} req/s (p50 ${num(d.r.latency.p50)} ms, p99 ${num(d.r.latency.p99)} ms)`,
      raw: `${num(b.r.rate)} req/s bare`,
      ratio: pct(d.r.rate / b.r.rate),
      target: '(the flags, measured)',
      met: null,
    });
    report.add({
      figure: 'before: the same with one audit transaction per view (recordAudit before group commit)',
      measured: `${num(pr.r.rate)} req/s (p50 ${num(pr.r.latency.p50)} ms, p99 ${num(pr.r.latency.p99)} ms)`,
      raw: `${num(b.r.rate)} req/s bare`,
      ratio: pct(pr.r.rate / b.r.rate),
      target: '(the change, measured)',
      met: null,
    });
    report.add({
      figure: `before: p99 at ${CLIENTS} clients, one page per ${INTERVAL_MS / 1000} s / flat out`,
      measured: `${num(paced.before.r.latency.p99)} ms / ${num(pr.r.latency.p99)} ms`,
      raw: `${num(paced.bare.r.latency.p99)} ms / ${num(b.r.latency.p99)} ms bare`,
      ratio: '',
      target: '(the change, measured)',
      met: null,
    });
    const perReq = (x: typeof s, k: string) => num((x.cpu.pids[k]! / x.r.requests) * 1e6, 0);
    report.note(
      [
        `Flat out, ${CLIENTS} clients each send the next request as soon as the last answered, so by Little's law mean latency = ${CLIENTS} ÷ throughput: even the bare handler (${num(b.r.rate)} req/s) averages ${num(b.r.latency.mean)} ms, and p99 < 50 ms at saturation would need well over ${num(CLIENTS / 0.05, 0)} req/s. The paced run (each client one page per ${INTERVAL_MS / 1000} s, a busy clerk) is the p99 a hundred people see.`,
        `Rounds (req/s): bare ${results.bare!.map((x) => num(x.r.rate)).join(', ')}; service ${results.service!.map((x) => num(x.r.rate)).join(', ')}; with Node's defaults ${results.defaults!.map((x) => num(x.r.rate)).join(', ')}; before group commit ${results.before!.map((x) => num(x.r.rate)).join(', ')}; load average ${s.load}. Page ${s.bytes} bytes (bare ${b.bytes}).`,
        `CPU per request: service ${perReq(s, 'service')} µs + PostgreSQL ${num((s.cpu.postgres / s.r.requests) * 1e6, 0)} µs; with Node's defaults ${perReq(d, 'defaults')} µs; bare ${perReq(b, 'bare')} µs; load generator ${perReq(s, 'self')} µs. Other people's work on the machine during the best service round: ${num(s.cpu.others, 1)} CPU-s of ${num(s.cpu.wallSeconds * 2, 0)}. Node flags of \`npm start\`, given to the service and the bare handler: ${SERVICE_NODE_FLAGS.join(' ') || '(none)'}; ${peakRss}.`,
        `Per view the service reads the session with the open-alert count (1 query) and the certificate with its revisions, withdrawals, previous revision and archive record (1 query), and appends the certificate.view audit entry by group commit (src/auditlog/log.ts: entries of concurrent views share one transaction holding the chain's advisory lock). Database backends, average number per sample in each state during the best service round: ${s.waited}. Before group commit (one transaction per view): ${pr.waited}. ${views!.n} certificate.view entries were written for ${[...results.service!, ...results.defaults!, ...results.before!].reduce((a, x) => a + x.r.requests, 0)} measured views plus warm-ups (the check is exact in bench/load.ts).`,
      ].join('\n'),
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 10 * 60_000 },
);
