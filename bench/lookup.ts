/**
 * Lookup: lookups per second and p50/p99 through POST /api/v1/lookup (right keys, ln=15 digests)
 * and pairs per second through POST /api/v1/lookup/batch (ten a request), against raw scrypt with
 * the same parameters and the same concurrency bound in the same run (target: within 10%); then /healthz and certificate-page p99 with and without concurrent guessing
 * (wrong keys on many numbers, each below the lockout, from many client addresses), at
 * SHOSHO_SCRYPT_CONCURRENCY=2 and 1 (the default is cores − 1), to show whether guessing starves other routes.
 *
 *   node --import tsx bench/lookup.ts          (BENCH_LOOKUP_SECONDS=20 BENCH_GUESS_SECONDS=15)
 */
import { scrypt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseScryptDigest, scryptMaxmem } from '../src/domain/index.js';
import { main } from './lib/cleanup.js';
import type { Child } from './lib/child.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { digestFor, HIROSHIMA, issueCertificates, registerIssuer, revisionId, seedOrganisation, session, unlock } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText, type LoadResult, type Req } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { num, pct, summarise } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_LOOKUP_SECONDS ?? 20);
const GUESS_SECONDS = Number(process.env.BENCH_GUESS_SECONDS ?? 15);
const KEY = 'QW12-ER34-TY56';
const WRONG = 'ZZ99-ZZ99-ZZ99';
const GUESSERS = 32;
const BATCH_PAIRS = 10;

/** crypto.scrypt as ScryptPool runs it, `concurrency` at a time, for `seconds`. */
async function rawScrypt(digest: string, concurrency: number, seconds: number) {
  const d = parseScryptDigest(digest);
  if (!d.ok) throw new Error(d.reason);
  const { ln, r, p, salt } = d.digest;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await new Promise<void>((resolve, reject) =>
          scrypt(KEY.replaceAll('-', ''), salt, 32, { N: 2 ** ln, r, p, maxmem: scryptMaxmem(ln, r) }, (e) => (e ? reject(e) : resolve())),
        );
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { rate: (latencies.length / (performance.now() - started)) * 1000, latency: summarise(latencies) };
}

function startService(db: BenchDatabase, concurrency: number): Promise<Child> {
  return spawnService(db, { label: `service-c${concurrency}`, env: { SHOSHO_SCRYPT_CONCURRENCY: String(concurrency), SHOSHO_TRUST_PROXY: 'true' } });
}

main(
  async () => {
    const report = new Report('lookup', 'Lookup: throughput vs raw scrypt; other routes while guessing');
    const db = await createBenchDatabase('bench_lookup');
    const issuer = await registerIssuer(db.sql);
    const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
    console.log('issuing certificates (one real ln=15 digest)…');
    const numbers = await issueCertificates(db.sql, issuer, { first: 2_000_000_000, count: 300, authKey: KEY });
    const guessable = await issueCertificates(db.sql, issuer, { first: 2_100_000_000, count: 600, authKey: KEY });
    const viewId = await revisionId(db.sql, numbers[0]!);
    await unlock(db.sql, HIROSHIMA.id, [viewId]);
    const digest = await digestFor(KEY);
    const sessions = await Promise.all(Array.from({ length: 4 }, () => session(db.sql, org.userIds.tanaka!)));

    let guessNo = 0;
    let unknownNo = 0;
    const guess = (): Req => {
      const i = guessNo++;
      // half on numbers that exist (each at most 4 times: below the lockout of 5), half on numbers that do not
      const number = i % 2 === 0 ? guessable[Math.floor(i / 2 / 4) % guessable.length]! : String(3_000_000_000 + unknownNo++);
      return {
        kind: 'guess',
        method: 'POST',
        path: '/api/v1/lookup',
        headers: {
          authorization: `Bearer ${org.token}`,
          'content-type': 'application/json',
          'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ number, authKey: WRONG }),
      };
    };
    const other = (client: number): Req =>
      client % 2 === 0
        ? { kind: 'healthz', method: 'GET', path: '/healthz' }
        : { kind: 'view', method: 'GET', path: `/certificates/${viewId}`, headers: { cookie: sessions[client % sessions.length]!.cookie } };

    for (const concurrency of [2, 1]) {
      console.log(`\n== SHOSHO_SCRYPT_CONCURRENCY=${concurrency}`);
      const raw = await rawScrypt(digest, concurrency, Math.min(SECONDS, 10));
      console.log(`raw scrypt ln=15 r=8 p=1, ${concurrency} at a time: ${num(raw.rate)}/s, p50 ${num(raw.latency.p50)} ms  [load ${loadavg()}]`);
      const svc = await startService(db, concurrency);
      const client = new HttpClient(String(svc.ready.url), 64);
      let n = 0;
      const right = (): Req => ({
        kind: 'right',
        method: 'POST',
        path: '/api/v1/lookup',
        headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ number: numbers[n++ % numbers.length], authKey: KEY }),
      });
      await closedLoop({ client, clients: concurrency * 2, durationMs: 2000, next: right }); // warm-up
      const c0 = cpuSnapshot({ service: svc.pid });
      const lookups = await closedLoop({ client, clients: concurrency * 2, durationMs: SECONDS * 1000, next: right });
      const cpu = cpuBetween(c0, cpuSnapshot({ service: svc.pid }));
      const lookupLoad = loadavg();
      const raw2 = await rawScrypt(digest, concurrency, Math.min(SECONDS, 10)); // again after, to see drift
      const rawRate = Math.max(raw.rate, raw2.rate);
      console.log(
        `API lookups, right key, ${concurrency * 2} clients: ${num(lookups.rate)}/s, p50 ${num(lookups.latency.p50)} ms, p99 ${num(lookups.latency.p99)} ms, ${statusText(lookups.statuses)}  [load ${lookupLoad}; raw again ${num(raw2.rate)}/s]`,
      );
      if (lookups.statuses.get(200) !== lookups.requests) throw new Error(`right-key lookups did not all answer 200: ${statusText(lookups.statuses)}`);

      // the same pairs ten to a request through the batch route, which looks each up in turn as a single lookup
      const batch = (): Req => ({
        kind: 'batch',
        method: 'POST',
        path: '/api/v1/lookup/batch',
        headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items: Array.from({ length: BATCH_PAIRS }, () => ({ number: numbers[n++ % numbers.length], authKey: KEY })) }),
      });
      const batches = await closedLoop({ client, clients: concurrency * 2, durationMs: SECONDS * 1000, next: batch });
      if (batches.statuses.get(200) !== batches.requests) throw new Error(`batch lookups did not all answer 200: ${statusText(batches.statuses)}`);
      const batchRate = batches.rate * BATCH_PAIRS;
      console.log(
        `API batch lookups, ${BATCH_PAIRS} pairs a request, ${concurrency * 2} clients: ${num(batchRate)} pairs/s, p50 ${num(batches.latency.p50)} ms a request  [load ${loadavg()}]`,
      );

      // other routes alone, then with guessing traffic
      const quiet = await closedLoop({ client, clients: 4, durationMs: GUESS_SECONDS * 1000, next: (c) => other(c) });
      let stopGuessing = false;
      const guessing = closedLoop({ client, clients: GUESSERS, durationMs: (GUESS_SECONDS + 2) * 1000, next: () => (stopGuessing ? null : guess()) });
      await new Promise((r) => setTimeout(r, 1000));
      const busy = await closedLoop({ client, clients: 4, durationMs: GUESS_SECONDS * 1000, next: (c) => other(c) });
      stopGuessing = true;
      const guesses = await guessing;
      const busyLoad = loadavg();
      const k = (r: LoadResult, kind: string) => summarise(r.kinds.get(kind)?.latencies ?? []);
      const g = guesses.kinds.get('guess')!;
      console.log(
        `guessing: ${num(guesses.rate)}/s, ${statusText(g.statuses)}; healthz p99 ${num(k(quiet, 'healthz').p99)} → ${num(k(busy, 'healthz').p99)} ms; view p99 ${num(k(quiet, 'view').p99)} → ${num(k(busy, 'view').p99)} ms  [load ${busyLoad}]`,
      );
      if ((g.statuses.get(429) ?? 0) > 0 || g.errors.length)
        throw new Error(`guessing should stay below every lockout: ${statusText(g.statuses)} ${g.errors.slice(0, 3)}`);
      client.close();
      await svc.stop();

      const tag = concurrency === Math.max(1, availableParallelism() - 1) ? ' (default: cores − 1)' : '';
      report.add({
        figure: `API batch lookups (POST /api/v1/lookup/batch, ${BATCH_PAIRS} pairs a request), SHOSHO_SCRYPT_CONCURRENCY=${concurrency}${tag}, ${concurrency * 2} clients`,
        measured: `${num(batchRate)} pairs/s (p50 ${num(batches.latency.p50)} ms a request)`,
        raw: `${num(rawRate)}/s scrypt, ${concurrency} at a time`,
        ratio: pct(batchRate / rawRate),
        target: 'within 10% (≥ 90%)',
        met: batchRate / rawRate >= 0.9,
      });
      report.add({
        figure: `API lookups/s, right key, SHOSHO_SCRYPT_CONCURRENCY=${concurrency}${tag}, ${concurrency * 2} clients`,
        measured: `${num(lookups.rate)}/s (p50 ${num(lookups.latency.p50)} ms, p99 ${num(lookups.latency.p99)} ms)`,
        raw: `${num(rawRate)}/s scrypt, ${concurrency} at a time (p50 ${num(raw.latency.p50)} ms)`,
        ratio: pct(lookups.rate / rawRate),
        target: 'within 10% (≥ 90%)',
        met: lookups.rate / rawRate >= 0.9,
      });
      for (const kind of ['healthz', 'view'] as const) {
        const before = k(quiet, kind);
        const during = k(busy, kind);
        const ok = during.p99 <= Math.max(2 * before.p99, before.p99 + 5) && (kind !== 'view' || during.p99 < 50);
        report.add({
          figure: `${kind === 'view' ? 'GET /certificates/:id' : 'GET /healthz'} p99 while ${num(guesses.rate)} guesses/s run (${GUESSERS} guessing clients), concurrency ${concurrency}${tag}`,
          measured: `p99 ${num(during.p99)} ms (p50 ${num(during.p50)} ms)`,
          raw: `p99 ${num(before.p99)} ms without guessing (p50 ${num(before.p50)} ms)`,
          ratio: `${num(during.p99 / before.p99)}×`,
          target: `≤ 2× (or +5 ms)${kind === 'view' ? ' and < 50 ms' : ''}`,
          met: ok,
        });
      }
      report.note(
        `Concurrency ${concurrency}: CPU per right-key lookup — service ${num((cpu.pids.service! / lookups.requests) * 1000, 1)} ms (scrypt included), PostgreSQL ${num((cpu.postgres / lookups.requests) * 1000, 1)} ms; other work on the machine ${num(cpu.others, 1)} CPU-s over ${num(cpu.wallSeconds, 0)} s. Guessing answered ${statusText(g.statuses)} (never 429: each number at most 4 wrong keys, each request from its own X-Forwarded-For address with SHOSHO_TRUST_PROXY=true). Load average: lookups ${lookupLoad}, guessing ${busyLoad}.`,
      );
    }
    report.note(
      "Raw = crypto.scrypt with the digest's parameters (ln=15, r=8, p=1), the same number at a time as SHOSHO_SCRYPT_CONCURRENCY, in this process while the service is idle (the better of a run before and after the lookups). A right-key lookup costs one scrypt plus ~10 database round trips in two transactions (attempt reservation, then unlock + audit entry).",
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 10 * 60_000 },
);
