/**
 * Ingest: SETs per second through push (POST /sets, many concurrent clients, the service in its
 * own process) and through poll (pollOnce against an RFC 8936 feed with N queued SETs, the feed in
 * its own process), against raw jose.compactVerify of the same tokens in the same run.
 * Target: ≥ 50% of raw verify throughput end to end.
 *
 * Also measured, to explain the figures: push with the receiver as it was before group commit
 * (bench/lib/proto/receive-per-request.ts), CPU per SET from /proc, verifySet and ingest() alone,
 * and the proposed set-based ingest (prototype, bench/lib/bulk-ingest.ts) through push and poll.
 *
 *   node --import tsx bench/ingest.ts            (BENCH_INGEST_N=6000 BENCH_PUSH_CLIENTS=64)
 */
import fs from 'node:fs';
import path from 'node:path';
import { compactVerify } from 'jose';
import postgres from 'postgres';
import { createReceiver, findIssuer, ingest, KeyStore, pollOnce, toKeyObject, verifySet, type Receiver, type VerifiedSet } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { bulkIngest } from './lib/bulk-ingest.js';
import { main } from './lib/cleanup.js';
import { spawnChild, tempDir } from './lib/child.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { AUDIENCE, digestFor, KINDS, payload, registerIssuer, type BenchIssuer } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { num, pct } from './lib/stats.js';

const N = Number(process.env.BENCH_INGEST_N ?? 6000);
const CLIENTS = Number(process.env.BENCH_PUSH_CLIENTS ?? 64);
const ROUNDS = 3;
type Sets = Array<{ jti: string; token: string }>;

let nextNumber = 1_000_000_000;
async function signMany(issuer: BenchIssuer, count: number): Promise<Sets> {
  const digest = await digestFor('BENCH-KEY-0001');
  const out: Sets = [];
  for (let i = 0; i < count; i++) out.push(await issuer.sign(payload(i, String(nextNumber++), KINDS[i % 3]!, digest)));
  return out;
}

/** jose.compactVerify exactly as verifySet calls it: one at a time, and 256 in flight; best of ROUNDS. */
async function rawVerify(sets: Sets, key: Parameters<typeof compactVerify>[1]) {
  let sequential = 0;
  let concurrent = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    for (const s of sets) await compactVerify(s.token, key, { algorithms: ['ES256'] });
    sequential = Math.max(sequential, (sets.length / (performance.now() - t)) * 1000);
    t = performance.now();
    for (let i = 0; i < sets.length; i += 256) await Promise.all(sets.slice(i, i + 256).map((s) => compactVerify(s.token, key, { algorithms: ['ES256'] })));
    concurrent = Math.max(concurrent, (sets.length / (performance.now() - t)) * 1000);
  }
  return { sequential, concurrent, best: Math.max(sequential, concurrent) };
}

/** POST /sets from CLIENTS connections to a fresh service process (optionally with a prototype in place of a src module). */
async function pushRun(db: BenchDatabase, sets: Sets, warm: Sets, label: string, proto?: string[]) {
  const svc = await spawnChild('bench/lib/service-child.ts', {
    DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', SHOSHO_AUDIENCE: AUDIENCE, SHOSHO_POLL_INTERVAL_SECONDS: '3600',
    SHOSHO_DATA_DIR: tempDir('data'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  }, { label, ...(proto ? { proto } : {}) });
  const client = new HttpClient(String(svc.ready.url), CLIENTS);
  const push = (list: Sets) => closedLoop({
    client, clients: CLIENTS, total: list.length,
    next: (_c, i) => (i < list.length ? { method: 'POST', path: '/sets', headers: { 'content-type': 'application/secevent+jwt' }, body: list[i]!.token } : null),
  });
  await push(warm);
  const c0 = cpuSnapshot({ service: svc.pid });
  const r = await push(sets);
  const cpu = cpuBetween(c0, cpuSnapshot({ service: svc.pid }));
  const load = loadavg();
  client.close();
  await svc.stop();
  const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from received_sets where jti in ${db.sql(sets.map((s) => s.jti))}`;
  console.log(`push (${label}): ${num(r.rate)} SETs/s, ${statusText(r.statuses)}, p50 ${num(r.latency.p50)} ms, p99 ${num(r.latency.p99)} ms, ${stored!.n}/${sets.length} stored; CPU/SET service ${num((cpu.pids.service! / sets.length) * 1e6, 0)} µs, PostgreSQL ${num((cpu.postgres / sets.length) * 1e6, 0)} µs  [load ${load}]`);
  if (r.statuses.get(202) !== sets.length || stored!.n !== sets.length || r.errors.length) throw new Error(`push (${label}): not every SET was accepted and stored: ${statusText(r.statuses)} ${r.errors.slice(0, 3)}`);
  return { r, cpu, load };
}

/** pollOnce here against a feed process holding `sets`, with the given receiver. */
async function pollRun(db: BenchDatabase, sql: postgres.Sql, issuerId: string, sets: Sets, receiver: Receiver, label: string) {
  const feedFile = path.join(tempDir('feed'), 'feed.json');
  fs.writeFileSync(feedFile, JSON.stringify({ sets: Object.fromEntries(sets.map((s) => [s.jti, s.token])) }));
  const feed = await spawnChild('bench/lib/feed-child.ts', { FEED_FILE: feedFile }, { label: `feed-${label}` });
  await db.sql`update issuers set feed_url = ${`${feed.ready.url}/feed`} where id = ${issuerId}`;
  const issuer = (await findIssuer(sql, { id: issuerId }))!;
  const c0 = cpuSnapshot({ feed: feed.pid });
  const t = performance.now();
  const summary = await pollOnce(issuer, { sql, receiver, log: silentLogger, intervalMs: 3_600_000, maxRequests: 100_000, roundBudgetMs: 3_600_000 });
  const rate = (summary.stored / (performance.now() - t)) * 1000;
  const cpu = cpuBetween(c0, cpuSnapshot({ feed: feed.pid }));
  const load = loadavg();
  const stats = (await (await fetch(`${feed.ready.url}/stats`)).json()) as { pending: number; acknowledged: number };
  await feed.stop();
  fs.rmSync(path.dirname(feedFile), { recursive: true, force: true });
  console.log(`poll (${label}): ${num(rate)} SETs/s (${summary.requests} feed requests, ${summary.stored} stored, ${summary.refused.length} refused; feed ${stats.acknowledged} acknowledged, ${stats.pending} pending); CPU/SET poller ${num((cpu.pids.self! / sets.length) * 1e6, 0)} µs, PostgreSQL ${num((cpu.postgres / sets.length) * 1e6, 0)} µs  [load ${load}]`);
  if (summary.stored !== sets.length || stats.acknowledged !== sets.length) throw new Error(`poll (${label}): not every SET was stored and acknowledged`);
  return { rate, summary, cpu, load };
}

main(async () => {
  const report = new Report('ingest', 'Ingest: SETs/s through push and poll vs raw jose verify');
  const db = await createBenchDatabase('bench_ingest');
  const issuer = await registerIssuer(db.sql, { id: 'wjcs', alg: 'ES256' });
  const D = Math.min(N, 2000);
  console.log(`signing ${5 * N + 2 * D + 1500} SETs (ES256, realistic payloads, one real ln=15 digest)…`);
  const warm = [await signMany(issuer, 500), await signMany(issuer, 500), await signMany(issuer, 500)];
  const [pushSets, beforeSets, protoPushSets, pollSets, protoPollSets] = [await signMany(issuer, N), await signMany(issuer, N), await signMany(issuer, N), await signMany(issuer, N), await signMany(issuer, N)];
  const [aloneSets, bulkAloneSets] = [await signMany(issuer, D), await signMany(issuer, D)];
  const bytes = Math.round(pushSets.reduce((a, s) => a + s.token.length, 0) / N);
  const keyObject = toKeyObject(issuer.key.publicJwk);
  await rawVerify(warm[0]!, keyObject); // JIT warm-up

  // ---- push: the service as it is (group commit), as it was (one transaction per push), and the proposal
  const rawPush = await rawVerify(pushSets, keyObject);
  console.log(`raw compactVerify (${bytes} B tokens): ${num(rawPush.sequential)}/s one at a time, ${num(rawPush.concurrent)}/s 256 in flight  [load ${loadavg()}]`);
  const push = await pushRun(db, pushSets, warm[0]!, 'service');
  const rawBefore = await rawVerify(beforeSets, keyObject);
  const before = await pushRun(db, beforeSets, warm[1]!, 'before group commit', ['receive-per-request']);
  const rawProtoPush = await rawVerify(protoPushSets, keyObject);
  const protoPush = await pushRun(db, protoPushSets, warm[2]!, 'proposal: set-based ingest', ['bulk-ingest']);

  // ---- poll: pollOnce in this process with the real receiver, then with the proposal
  const sql = postgres(db.url, { max: 10, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  const keys = new KeyStore(sql, { log: silentLogger });
  const rawPoll = await rawVerify(pollSets, keyObject);
  const poll = await pollRun(db, sql, issuer.id, pollSets, createReceiver({ sql, keys, audience: AUDIENCE, log: silentLogger }), 'service receiver');
  const protoReceiver: Receiver = {
    async receive(tokens, via) {
      const checked = await Promise.all(tokens.map((tok) => verifySet(tok, { sql, keys, audience: AUDIENCE })));
      const outcomes = await bulkIngest(sql, checked.flatMap((c) => (c.ok ? [c.value] : [])), via);
      let k = 0;
      return checked.map((c) => (c.ok ? outcomes[k++]! : { status: 'refused' as const, err: c.err, description: c.description }));
    },
  };
  const rawProtoPoll = await rawVerify(protoPollSets, keyObject);
  const protoPoll = await pollRun(db, sql, issuer.id, protoPollSets, protoReceiver, 'proposal: set-based ingest');

  // ---- where the time goes: verifySet alone, ingest() alone, the set-based prototype alone (batches of 100)
  const verifyAll = async (sets: Sets) => {
    const out: VerifiedSet[] = [];
    for (let i = 0; i < sets.length; i += 100) {
      for (const c of await Promise.all(sets.slice(i, i + 100).map((s) => verifySet(s.token, { sql, keys, audience: AUDIENCE })))) {
        if (!c.ok) throw new Error(c.description);
        out.push(c.value);
      }
    }
    return out;
  };
  const t0 = performance.now();
  const aloneVerified = await verifyAll(aloneSets);
  const verifySetRate = (D / (performance.now() - t0)) * 1000;
  const bulkVerified = await verifyAll(bulkAloneSets);
  const timeBatches = async (sets: VerifiedSet[], f: (b: VerifiedSet[]) => Promise<unknown>) => {
    const t = performance.now();
    for (let i = 0; i < sets.length; i += 100) await f(sets.slice(i, i + 100));
    return (sets.length / (performance.now() - t)) * 1000;
  };
  const ingestRate = await timeBatches(aloneVerified, (b) => ingest(sql, b, 'poll'));
  const bulkRate = await timeBatches(bulkVerified, (b) => bulkIngest(sql, b, 'poll'));
  const diagLoad = loadavg();
  await sql.end();
  console.log(`verifySet alone ${num(verifySetRate)}/s; ingest() alone ${num(ingestRate)}/s; set-based prototype alone ${num(bulkRate)}/s  [load ${diagLoad}]`);

  // ---- one audit entry per SET stored
  const [audit] = await db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where action = 'feed.ingest' and outcome = 'stored'`;
  const [sets] = await db.sql<{ n: number }[]>`select count(*)::int as n from received_sets`;

  const fig = (figure: string, rate: number, raw: { best: number }, extra: string, met: boolean | null, target = '≥ 50% of raw') =>
    report.add({ figure, measured: `${num(rate)} SETs/s${extra}`, raw: `${num(raw.best)} verifies/s`, ratio: pct(rate / raw.best), target, met: met === null ? null : rate / raw.best >= 0.5 });
  fig(`push, ${CLIENTS} concurrent clients, ${N} SETs`, push.r.rate, rawPush, ` (p50 ${num(push.r.latency.p50)} ms, p99 ${num(push.r.latency.p99)} ms)`, true);
  fig(`poll (pollOnce, maxEvents 100), ${N} queued SETs`, poll.rate, rawPoll, ` (${poll.summary.requests} feed requests)`, true);
  report.add({ figure: 'audit entries feed.ingest/stored', measured: `${audit!.n} for ${sets!.n} stored SETs`, raw: '', ratio: '', target: 'exactly one each', met: audit!.n === sets!.n });
  fig('before: push with one transaction per push (receiver before group commit)', before.r.rate, rawBefore, ` (p50 ${num(before.r.latency.p50)} ms, p99 ${num(before.r.latency.p99)} ms)`, null, '(the change, measured)');
  fig('proposal: push with set-based ingest (prototype in the service)', protoPush.r.rate, rawProtoPush, ` (p50 ${num(protoPush.r.latency.p50)} ms)`, null, '(what would move it)');
  fig('proposal: poll with set-based ingest (prototype)', protoPoll.rate, rawProtoPoll, '', null, '(what would move it)');

  const us = (seconds: number) => num((seconds / N) * 1e6, 0);
  const pushStore = ((push.cpu.pids.service! + push.cpu.postgres) / N) * 1e6;
  const pollStore = ((poll.cpu.pids.self! + poll.cpu.postgres) / N) * 1e6;
  report.note([
    `Tokens: ES256 SETs of ${bytes} bytes (realistic payloads from reference-issuer, one real ln=15 digest). Raw = the better of jose.compactVerify one at a time (${num(rawPush.sequential)}/s, i.e. ${num(1e6 / rawPush.sequential, 0)} µs each) and 256 in flight (${num(rawPush.concurrent)}/s: Node runs WebCrypto ECDSA on the libuv pool, so both cores work), best of ${ROUNDS}, on the same tokens, in this process while nothing else of the benchmark runs.`,
    `CPU per SET (from /proc): push — service ${us(push.cpu.pids.service!)} µs + PostgreSQL ${us(push.cpu.postgres)} µs (load generator ${us(push.cpu.pids.self!)} µs); poll — poller ${us(poll.cpu.pids.self!)} µs + PostgreSQL ${us(poll.cpu.postgres)} µs. So two cores can store at most ${num(2e6 / pushStore)} pushed or ${num(2e6 / pollStore)} polled SETs/s however the work is scheduled, while they verify ${num(rawPush.concurrent)}/s: **storing a SET costs ~${num(pushStore / (1e6 / rawPush.sequential), 0)}× verifying it** (PostgreSQL alone ~${num((push.cpu.postgres / N) * 1e6 / (1e6 / rawPush.sequential), 0)}×: three rows — the SET byte for byte with header and claims as JSONB, the revision with its payload as JSONB, the hash-chained audit entry — and their indexes). The 50% target is out of reach on this hardware by design of what is stored, not by scheduling.`,
    `Group commit (src/feed/receive.ts): push ${num(push.r.rate)}/s with it vs ${num(before.r.rate)}/s with one transaction per push, same run (${pct(push.r.rate / before.r.rate)}). Each push used to pay its own BEGIN, chain lock, audit insert and COMMIT, serialised by the chain's advisory lock.`,
    `Where the time goes (batches of 100, this process, load ${diagLoad}): verifySet alone ${num(verifySetRate)}/s (one findIssuer query per token), ingest() alone ${num(ingestRate)}/s (savepoint + 2 inserts + release per SET: four round trips each), set-based prototype alone ${num(bulkRate)}/s (one multi-row insert per table per group). What would move it further: set-based ingest in src/feed/ingest.ts (prototype: poll ${num(protoPoll.rate)}/s, push ${num(protoPush.r.rate)}/s), an in-memory issuer cache in verifySet, and — for the last factor — storing less per SET (e.g. claims not duplicated beside the JWS).`,
    `Load average: push ${push.load}, poll ${poll.load}. The service child runs with LOG_LEVEL=${process.env.LOG_LEVEL ?? 'info'} (as shipped), standard error piped to a file by this process.`,
  ].join('\n'));
  report.save();
  await db.drop();
}, { timeLimitMs: 15 * 60_000 });
