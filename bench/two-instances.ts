/**
 * Two instances on one database behind nginx (from Debian, installed if missing, configured in a
 * temporary directory, on a loopback port): the same mixed traffic as bench/load.ts through the
 * balancer; lockouts hold across instances (5 failures spread over both lock the number on both;
 * concurrent guesses on both never get past the limit); both instances poll one issuer's feed and
 * each event is ingested once; the audit log holds one entry per action.
 *
 *   node --import tsx bench/two-instances.ts     (BENCH_TWO_SECONDS=60 BENCH_TWO_CLIENTS=200 BENCH_TWO_EVENTS=2000)
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { insertIssuer, parseJwks, storeKeys } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { generateSigningKey, jwks, signSet, CERTIFICATE_EVENT } from '../reference-issuer/index.js';
import { main } from './lib/cleanup.js';
import { spawnChild, type Child, tempDir } from './lib/child.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { AUDIENCE, digestFor, HIROSHIMA, KINDS, payload } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText, type Req } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { Mix } from './lib/mix.js';
import { mixSetup, RIGHT_KEY } from './lib/mix-setup.js';
import { startNginx } from './lib/nginx.js';
import { Report } from './lib/report.js';
import { num, summarise } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_TWO_SECONDS ?? 60);
const CLIENTS = Number(process.env.BENCH_TWO_CLIENTS ?? 200);
const INTERVAL_MS = Number(process.env.BENCH_LOAD_INTERVAL_MS ?? 4000);
const EVENTS = Number(process.env.BENCH_TWO_EVENTS ?? 2000);

function instance(db: BenchDatabase, secret: string, label: string): Promise<Child> {
  return spawnService(db, { label, env: { SHOSHO_SECRET: secret, SHOSHO_TRUST_PROXY: 'true', SHOSHO_POLL_INTERVAL_SECONDS: '1' } });
}

/** Requests served, from an instance's own /metrics. */
async function served(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('shosho_http_requests_total{'))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

main(
  async () => {
    const report = new Report('two-instances', `Two instances behind nginx: ${CLIENTS} clients, ${SECONDS} s, lockouts and polling`);
    const db = await createBenchDatabase('bench_two');
    const { setup } = await mixSetup(db, { revisions: 20_000, archived: 2_000, sessions: CLIENTS });

    // a second issuer whose feed both instances poll
    const key = generateSigningKey('ES256', 'es256-feed-1');
    const iss = 'https://ejcs.issuer.bench.example';
    const digest = await digestFor(RIGHT_KEY);
    const sets: Record<string, string> = {};
    for (let i = 0; i < EVENTS; i++) {
      const s = await signSet({ iss, aud: AUDIENCE, key, event: CERTIFICATE_EVENT, payload: payload(i, String(3_500_000_000 + i), KINDS[i % 3]!, digest) });
      sets[s.jti] = s.token;
    }
    const feedFile = path.join(tempDir('feed'), 'feed.json');
    fs.writeFileSync(feedFile, JSON.stringify({ sets }));
    const feed = await spawnChild('bench/lib/feed-child.ts', { FEED_FILE: feedFile }, { label: 'feed' });
    await db.sql.begin(async (tx) => {
      await insertIssuer(tx, { id: 'ejcs', iss, name: '東日本建設業保証株式会社', jwksInline: jwks([key]) as never, feedUrl: `${feed.ready.url}/feed` });
      await storeKeys(tx, 'ejcs', (await parseJwks(jwks([key]))).keys, silentLogger);
    });

    const secret = randomBytes(32).toString('hex');
    const pollStart = performance.now();
    const [a, b] = await Promise.all([instance(db, secret, 'instance-a'), instance(db, secret, 'instance-b')]);
    const nginx = await startNginx([String(a.ready.url), String(b.ready.url)]);
    console.log(`instances ${a.ready.url} and ${b.ready.url} behind nginx ${nginx.url}`);
    const direct = { a: new HttpClient(String(a.ready.url), 16), b: new HttpClient(String(b.ready.url), 16) };
    const lb = new HttpClient(nginx.url, CLIENTS + 16);

    // --- lockout across instances: 5 failures spread over both lock the number on both
    const fresh = await db.sql<{ number: string }[]>`
    select distinct number from certificate_revisions where obligee_code = ${HIROSHIMA.code} and number not in ${db.sql([...setup.rightNumbers, ...setup.guessNumbers])} limit 2`;
    const [spread, raced] = [fresh[0]!.number, fresh[1]!.number];
    let addr = 0;
    const lookup = (number: string, authKey: string): Req => ({
      method: 'POST',
      path: '/api/v1/lookup',
      headers: { authorization: `Bearer ${setup.token}`, 'content-type': 'application/json', 'x-forwarded-for': `10.99.0.${++addr}` },
      body: JSON.stringify({ number, authKey }),
    });
    const order = [direct.a, direct.b, direct.a, direct.b, direct.a];
    const spreadStatuses = [];
    for (const c of order) spreadStatuses.push((await c.request(lookup(spread, 'ZZ99-ZZ99-ZZ99'))).status);
    const afterA = (await direct.a.request(lookup(spread, RIGHT_KEY))).status;
    const afterB = (await direct.b.request(lookup(spread, RIGHT_KEY))).status;
    const afterLb = (await lb.request(lookup(spread, RIGHT_KEY))).status;
    const spreadOk = spreadStatuses.every((s) => s === 404) && afterA === 429 && afterB === 429 && afterLb === 429;
    console.log(`lockout spread over A,B,A,B,A: ${spreadStatuses.join(' ')}; then the right key: A ${afterA}, B ${afterB}, nginx ${afterLb}`);
    // 12 wrong keys at once, 6 on each instance: exactly 5 may count, the rest must be 429
    const racedStatuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? direct.b : direct.a).request(lookup(raced, 'ZZ99-ZZ99-ZZ99')).then((r) => r.status)),
    );
    const racedOk = racedStatuses.filter((s) => s === 404).length === 5 && racedStatuses.filter((s) => s === 429).length === 7;
    console.log(
      `12 concurrent wrong keys over both instances: ${statusText(new Map([...new Set(racedStatuses)].map((s) => [s, racedStatuses.filter((x) => x === s).length])))}`,
    );

    // --- the mix through nginx, while both instances poll the feed (watched in the background)
    let drainedAfter = NaN;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const st = (await (await fetch(`${feed.ready.url}/stats`)).json()) as { pending: number };
        if (st.pending === 0) {
          drainedAfter = (performance.now() - pollStart) / 1000;
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const mix = new Mix(setup);
    const before = { a: await served(String(a.ready.url)), b: await served(String(b.ready.url)) };
    const c0 = cpuSnapshot({ a: a.pid, b: b.pid, feed: feed.pid });
    const result = await closedLoop({
      client: lb,
      clients: CLIENTS,
      durationMs: SECONDS * 1000,
      intervalMs: INTERVAL_MS,
      timeoutMs: 60_000,
      next: (c) => mix.next(c),
      onResponse: (req, res) => mix.onResponse(req, res),
    });
    const cpu = cpuBetween(c0, cpuSnapshot({ a: a.pid, b: b.pid, feed: feed.pid }));
    const load = loadavg();
    for (const e of result.errors) mix.onError(e);
    const after = { a: await served(String(a.ready.url)), b: await served(String(b.ready.url)) };

    // --- polling: wait until the feed is drained, then count
    let stats = { pending: -1, acknowledged: 0, errors: 0, requests: 0 };
    for (let i = 0; i < 240; i++) {
      stats = (await (await fetch(`${feed.ready.url}/stats`)).json()) as typeof stats;
      if (stats.pending === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    watching = false;
    await watcher;
    for (const c of [direct.a, direct.b, lb]) c.close();
    await nginx.stop();
    await Promise.all([a.stop(), b.stop()]);
    await feed.stop();

    const [stored] = await db.sql<{ sets: number; distinct_jti: number; revisions: number }[]>`
    select count(*)::int as sets, count(distinct jti)::int as distinct_jti,
           (select count(*)::int from certificate_revisions where issuer_id = 'ejcs') as revisions
    from received_sets where issuer_id = 'ejcs'`;
    const outcomes = await db.sql<{ outcome: string; n: number }[]>`
    select outcome, count(*)::int as n from audit_log where action = 'feed.ingest' and actor = 'issuer:ejcs' group by 1 order by 1`;
    const byOutcome = Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]));
    const pollOk =
      stats.pending === 0 &&
      stats.acknowledged === EVENTS &&
      stored!.sets === EVENTS &&
      stored!.distinct_jti === EVENTS &&
      stored!.revisions === EVENTS &&
      byOutcome.stored === EVENTS;
    console.log(
      `poll: feed ${stats.acknowledged} acknowledged, ${stats.pending} pending, ${stats.requests} feed requests; ${stored!.sets} received_sets, ${stored!.revisions} revisions; audit ${JSON.stringify(byOutcome)}; drained ${num(drainedAfter, 1)} s after start`,
    );
    const audit = await mix.checkAudit(db.sql);
    const lat = [...result.kinds].map(([k, r]) => `${k} p50 ${num(summarise(r.latencies).p50)} / p99 ${num(summarise(r.latencies).p99)} ms`).join('; ');
    console.log(`${result.requests} requests through nginx (${num(result.rate)}/s): ${mix.summary()}; errors ${mix.errors.length}`);
    console.log(`audit: ${audit.entries} entries for ${audit.expected} audited actions; ${audit.ok ? 'exact' : audit.problems.join('; ')}`);

    const errorKinds = new Map<string, number>();
    for (const e of mix.errors) errorKinds.set(e, (errorKinds.get(e) ?? 0) + 1);
    report.add({
      figure: `errors other than intended 404/429 through nginx (${result.requests} requests, ${num(result.rate)}/s)`,
      measured: `${mix.errors.length}${mix.errors.length ? ` (${[...errorKinds].map(([k, n]) => `${k}×${n}`).join(', ')})` : ''}`,
      raw: '',
      ratio: '',
      target: '0',
      met: mix.errors.length === 0,
    });
    report.add({
      figure: 'lockout: 5 wrong keys over A,B,A,B,A, then the right key on A, on B, through nginx',
      measured: `${spreadStatuses.join(' ')}, then ${afterA} ${afterB} ${afterLb}`,
      raw: '',
      ratio: '',
      target: '404×5, then 429 everywhere',
      met: spreadOk,
    });
    report.add({
      figure: '12 concurrent wrong keys on one number, 6 on each instance',
      measured: racedStatuses.slice().sort().join(' '),
      raw: '',
      ratio: '',
      target: 'exactly 5 × 404, 7 × 429',
      met: racedOk,
    });
    report.add({
      figure: `both instances polling one feed of ${EVENTS} events`,
      measured: `${stored!.sets} stored once (${stored!.distinct_jti} distinct jti), audit ${Object.entries(byOutcome)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; feed: ${stats.acknowledged} acknowledged, ${stats.pending} left`,
      raw: '',
      ratio: '',
      target: `each event stored and acknowledged once`,
      met: pollOk,
    });
    report.add({
      figure: 'audit log: one entry per audited action, by request id',
      measured: `${audit.entries} entries for ${audit.expected} audited actions${audit.ok ? ', exact' : `: ${audit.problems.length} mismatches`}`,
      raw: '',
      ratio: '',
      target: 'exactly one each',
      met: audit.ok,
    });
    report.note(
      [
        `Instance A served ${after.a - before.a} and B ${after.b - before.b} requests of the mix (their own /metrics). Same mix and pacing as bench/load.ts (each client once every ${INTERVAL_MS / 1000} s). Both instances have SHOSHO_POLL_INTERVAL_SECONDS=1 and poll the feed of a second issuer (a process of its own holding ${EVENTS} SETs); the feed was drained ${num(drainedAfter, 1)} s after the instances were started (under the mixed load), in ${stats.requests} feed requests.`,
        `Answers: ${mix.summary()}.`,
        `Latency: ${lat}.`,
        `CPU over the mix: instance A ${num(cpu.pids.a!, 1)} s, B ${num(cpu.pids.b!, 1)} s, PostgreSQL ${num(cpu.postgres, 1)} s, load generator ${num(cpu.pids.self!, 1)} s, other work on the machine (nginx included) ${num(cpu.others, 1)} s of ${num(cpu.wallSeconds * 2, 0)}; load average ${load}.`,
        ...(audit.ok ? [] : [`Audit mismatches (first 10): ${audit.problems.join('; ')}`]),
      ].join('\n'),
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 12 * 60_000 },
);
