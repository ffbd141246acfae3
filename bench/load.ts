/**
 * Load: 200 concurrent clients (clerks in browsers and obligee systems on the API, each from its own
 * address) mixing lookups with right and wrong keys, certificate views, PDFs and archive searches
 * for 60 s against one instance on real PostgreSQL. Reports every answer other than the intended
 * 404/429 as an error (target zero), RSS every 5 s (target steady), and checks the audit log holds
 * exactly one entry per audited action, by request id.
 *
 *   node --import tsx bench/load.ts     (BENCH_LOAD_SECONDS=60 BENCH_LOAD_CLIENTS=200 BENCH_LOAD_INTERVAL_MS=4000)
 */
import { main } from './lib/cleanup.js';
import { descendantsOf, rssOf } from './lib/child.js';
import { createBenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { closedLoop, HttpClient } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { MIX, Mix } from './lib/mix.js';
import { mixSetup } from './lib/mix-setup.js';
import { Report } from './lib/report.js';
import { num, summarise } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 200);
const INTERVAL_MS = Number(process.env.BENCH_LOAD_INTERVAL_MS ?? 4000);

const mb = (b: number) => Math.round(b / 2 ** 20);

main(
  async () => {
    const report = new Report('load', `Load: ${CLIENTS} clients, mixed traffic, ${SECONDS} s, one instance`);
    const db = await createBenchDatabase('bench_load');
    const { setup } = await mixSetup(db, { revisions: 20_000, archived: 2_000, sessions: CLIENTS });
    const svc = await spawnService(db, { label: 'service', env: { SHOSHO_TRUST_PROXY: 'true' } });
    const client = new HttpClient(String(svc.ready.url), CLIENTS);
    const mix = new Mix(setup);

    const rss: Array<{ at: number; node: number; chromium: number }> = [];
    const sample = () => {
      const chromium = descendantsOf(svc.pid).reduce((a, p) => a + (rssOf(p) || 0), 0);
      rss.push({ at: Math.round((performance.now() - t0) / 1000), node: rssOf(svc.pid), chromium });
    };
    const t0 = performance.now();
    sample();
    const sampler = setInterval(sample, 5000);
    const c0 = cpuSnapshot({ service: svc.pid });
    const result = await closedLoop({
      client,
      clients: CLIENTS,
      durationMs: SECONDS * 1000,
      intervalMs: INTERVAL_MS,
      timeoutMs: 60_000,
      next: (c) => mix.next(c),
      onResponse: (req, res) => mix.onResponse(req, res),
    });
    clearInterval(sampler);
    sample();
    const cpu = cpuBetween(c0, cpuSnapshot({ service: svc.pid }));
    const load = loadavg();
    for (const e of result.errors) mix.onError(e);
    client.close();
    await svc.stop();
    const audit = await mix.checkAudit(db.sql);

    const lat = [...result.kinds].map(([k, r]) => `${k} p50 ${num(summarise(r.latencies).p50)} / p99 ${num(summarise(r.latencies).p99)} ms`).join('; ');
    console.log(`${result.requests} requests (${num(result.rate)}/s): ${mix.summary()}`);
    console.log(`latency: ${lat}`);
    console.log(`errors: ${mix.errors.length} ${mix.errors.slice(0, 5).join('; ')}`);
    console.log(`RSS (MB, node + chromium): ${rss.map((r) => `${r.at}s ${mb(r.node)}+${mb(r.chromium)}`).join(', ')}`);
    console.log(`audit: ${audit.entries} entries for ${audit.expected} audited actions; ${audit.ok ? 'exact' : audit.problems.join('; ')}`);

    const settled = rss.filter((r) => r.at >= Math.min(20, SECONDS / 3));
    const early = settled[0]!;
    const late = rss[rss.length - 1]!;
    const growth = late.node / early.node - 1;
    const errorKinds = new Map<string, number>();
    for (const e of mix.errors) errorKinds.set(e, (errorKinds.get(e) ?? 0) + 1);
    report.add({
      figure: `errors other than intended 404/429 (${result.requests} requests, ${num(result.rate)}/s)`,
      measured: `${mix.errors.length}${mix.errors.length ? ` (${[...errorKinds].map(([k, n]) => `${k}×${n}`).join(', ')})` : ''}`,
      raw: '',
      ratio: '',
      target: '0',
      met: mix.errors.length === 0,
    });
    report.add({
      figure: `service RSS from ${early.at} s to ${late.at} s (sampled every 5 s)`,
      measured: `${mb(early.node)} → ${mb(late.node)} MB (${growth >= 0 ? '+' : ''}${num(growth * 100, 0)}%); Chromium ${mb(early.chromium)} → ${mb(late.chromium)} MB`,
      raw: '',
      ratio: '',
      target: 'steady (≤ +15% after warm-up)',
      met: growth <= 0.15,
    });
    report.add({
      figure: 'audit log: one entry per audited action, by request id',
      measured: `${audit.entries} entries for ${audit.expected} audited actions${audit.ok ? ', exact' : `: ${audit.problems.length} mismatches`}`,
      raw: '',
      ratio: '',
      target: 'exactly one each, none for searches',
      met: audit.ok,
    });
    report.note(
      [
        `Mix (share of actions): ${MIX.map(([a, w]) => `${a} ${num(w * 100, w < 0.1 ? 1 : 0)}%`).join(', ')}. Each client acts once every ${INTERVAL_MS / 1000} s (a busy clerk; ${num(CLIENTS / (INTERVAL_MS / 1000), 0)} actions/s offered), from its own X-Forwarded-For address (SHOSHO_TRUST_PROXY=true). Wrong keys go to 10 numbers, which lock after 5 failures (then 429, intended). Data: 20,000 revisions made in SQL, 2,000 of them in 広島県's archive; ln=15 digests.`,
        `Answers: ${mix.summary()}.`,
        `Latency: ${lat}.`,
        `RSS (MB, service + Chromium): ${rss.map((r) => `${r.at}s ${mb(r.node)}+${mb(r.chromium)}`).join(', ')}.`,
        `CPU over the run: service ${num(cpu.pids.service!, 1)} s, PostgreSQL ${num(cpu.postgres, 1)} s, load generator ${num(cpu.pids.self!, 1)} s, other people's work ${num(cpu.others, 1)} s of ${num(cpu.wallSeconds * 2, 0)}; load average ${load}.`,
        ...(audit.ok ? [] : [`Audit mismatches (first 10): ${audit.problems.join('; ')}`]),
      ].join('\n'),
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 10 * 60_000 },
);
