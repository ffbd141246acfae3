/**
 * Faults under push load, against `shosho serve` processes whose database connections pass through a
 * TCP proxy: the time from a cut to the first 503 and from the database's return to the first 202,
 * for a partition (nothing closed, nothing answered), a database that refuses connections, reset
 * connections and terminated backends; then SETs acknowledged (202) and lost across SIGKILLs of
 * the service under load (the target is 0).
 *
 *   node --import tsx bench/faults.ts     (BENCH_FAULTS_ROUNDS=3 BENCH_FAULTS_KILLS=20 BENCH_PUSH_CLIENTS=8)
 */
import { PgProxy } from '../test/helpers/pg-proxy.js';
import { startServeProcess, type ServeProcess } from '../test/helpers/serve-process.js';
import { main, onCleanup } from './lib/cleanup.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { AUDIENCE, digestFor, payload, registerIssuer, type BenchIssuer } from './lib/fixtures.js';
import { busyness } from './lib/machine.js';
import { Report } from './lib/report.js';
import { median, num } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_FAULTS_ROUNDS ?? 3);
const KILLS = Number(process.env.BENCH_FAULTS_KILLS ?? 20);
const CLIENTS = Number(process.env.BENCH_PUSH_CLIENTS ?? 8);
const OUTAGE_MS = 6000;

interface Answer {
  at: number;
  status: number | 'network';
  jti: string;
}

/** Issuer pushes in a closed loop; every answer is kept with the time it arrived. */
class Pushers {
  readonly answers: Answer[] = [];
  readonly accepted = new Set<string>();
  private running = false;
  private loops: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly tokens: ReadonlyArray<{ jti: string; token: string }>,
    public url: string,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: CLIENTS }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const set = this.tokens[this.next++ % this.tokens.length]!;
      let status: Answer['status'];
      try {
        const res = await fetch(`${this.url}/sets`, {
          method: 'POST',
          headers: { 'content-type': 'application/secevent+jwt' },
          body: set.token,
          signal: AbortSignal.timeout(60_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 'network';
      }
      if (status === 202) this.accepted.add(set.jti);
      this.answers.push({ at: performance.now(), status, jti: set.jti });
      if (status !== 202) await new Promise((r) => setTimeout(r, 20)); // as an issuer backs off
    }
  }

  /** Waits for the first answer with this status that arrived after `since`; its time. */
  async first(status: number, since: number, limitMs = 120_000): Promise<number> {
    const deadline = performance.now() + limitMs;
    for (;;) {
      const hit = this.answers.find((a) => a.at >= since && a.status === status);
      if (hit) return hit.at;
      if (performance.now() > deadline) throw new Error(`no ${status} within ${limitMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

async function signAll(issuer: BenchIssuer, count: number, first: number) {
  const digest = await digestFor('AB12CD34', 14);
  const tokens = [];
  for (let i = 0; i < count; i++) tokens.push(await issuer.sign(payload(i, String(first + i), 'advance_payment', digest)));
  return tokens;
}

async function serve(db: BenchDatabase, proxy: PgProxy): Promise<ServeProcess> {
  const svc = await startServeProcess({ DATABASE_URL: proxy.url(db.name), SHOSHO_AUDIENCE: AUDIENCE, LOG_LEVEL: 'error' });
  onCleanup(() => void svc.child.kill('SIGKILL'));
  return svc;
}

main(
  async () => {
    const report = new Report('faults', 'Faults: database cuts, partitions and SIGKILLs under push load');
    const db = await createBenchDatabase('faults');
    const issuer = await registerIssuer(db.sql, { id: 'faults' });
    const proxy = new PgProxy();
    await proxy.up();
    onCleanup(() => proxy.down());
    const svc = await serve(db, proxy);
    const pushers = new Pushers(await signAll(issuer, 20_000, 6_000_000_000), svc.url);
    pushers.start();
    await pushers.first(202, 0);

    const cuts: Record<string, { firstFailure: number[]; recovery: number[] }> = {};
    const measure = async (name: string, cut: () => Promise<void> | void, restore: () => Promise<void> | void, failureStatus: number | null) => {
      cuts[name] ??= { firstFailure: [], recovery: [] };
      const m = cuts[name];
      for (let round = 0; round < ROUNDS; round++) {
        await pushers.first(202, performance.now()); // under load, healthy
        const cutAt = performance.now();
        await cut();
        if (failureStatus !== null) m.firstFailure.push((await pushers.first(failureStatus, cutAt)) - cutAt);
        await new Promise((r) => setTimeout(r, failureStatus === null ? 0 : OUTAGE_MS));
        const backAt = performance.now();
        await restore();
        m.recovery.push((await pushers.first(202, backAt)) - backAt);
      }
    };
    await measure(
      'partition',
      () => proxy.partition(),
      () => proxy.heal(),
      503,
    );
    await measure(
      'database refusing connections',
      () => proxy.down(),
      () => proxy.up(),
      503,
    );
    await measure(
      'connections reset',
      () => void proxy.reset(),
      () => {},
      null,
    );
    await measure(
      'backends terminated',
      async () => {
        await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${db.name} and application_name = 'shosho'`;
      },
      () => {},
      null,
    );
    await pushers.stop();
    for (const [name, m] of Object.entries(cuts)) {
      if (m.firstFailure.length) {
        report.add({
          figure: `${name}: cut → first 503 (median, max of ${ROUNDS})`,
          measured: `${num(median(m.firstFailure))} ms, ${num(Math.max(...m.firstFailure))} ms`,
          raw: '',
          ratio: '',
          target: '≤ 5 s (probe every 1 s, 2 × 2 s without answer)',
          met: Math.max(...m.firstFailure) <= 5000,
        });
      }
      report.add({
        figure: `${name}: database back → first 202 (median, max)`,
        measured: `${num(median(m.recovery))} ms, ${num(Math.max(...m.recovery))} ms`,
        raw: '',
        ratio: '',
        target: '≤ 3 s',
        met: Math.max(...m.recovery) <= 3000,
      });
    }
    const statuses = new Map<string, number>();
    for (const a of pushers.answers) statuses.set(String(a.status), (statuses.get(String(a.status)) ?? 0) + 1);
    report.note(`Answers during the cuts: ${[...statuses].map(([s, n]) => `${s} × ${n}`).join(', ')} (a 500 would be a defect).`);
    const served = await db.sql<{ lost: number; twice: number }[]>`
    select count(*) filter (where n = 0)::int as lost, count(*) filter (where n > 1)::int as twice
    from (select j.jti, (select count(*) from received_sets r where r.issuer_id = 'faults' and r.jti = j.jti) as n
          from unnest(${[...pushers.accepted]}::text[]) as j(jti)) x`;
    report.add({
      figure: 'cuts: acknowledged SETs lost / stored twice',
      measured: `${served[0]!.lost} / ${served[0]!.twice} of ${pushers.accepted.size}`,
      raw: '',
      ratio: '',
      target: '0 / 0',
      met: served[0]!.lost === 0 && served[0]!.twice === 0,
    });
    svc.child.kill('SIGKILL');
    await svc.exited;

    // SIGKILL the service under load, KILLS times; what got 202 must be stored, once
    const killed = new Pushers(await signAll(issuer, 20_000, 7_000_000_000), '');
    for (let k = 0; k < KILLS; k++) {
      const s = await serve(db, proxy);
      killed.url = s.url;
      killed.start();
      const startedAt = performance.now();
      await killed.first(202, startedAt);
      await killed.first(202, performance.now()); // a second one: commits are under way when it dies
      s.child.kill('SIGKILL');
      await s.exited;
      await killed.stop();
    }
    const [afterKills] = await db.sql<{ lost: number; twice: number }[]>`
    select count(*) filter (where n = 0)::int as lost, count(*) filter (where n > 1)::int as twice
    from (select j.jti, (select count(*) from received_sets r where r.issuer_id = 'faults' and r.jti = j.jti) as n
          from unnest(${[...killed.accepted]}::text[]) as j(jti)) x`;
    report.add({
      figure: `${KILLS} SIGKILLs of shosho serve under push load: acknowledged SETs lost / stored twice`,
      measured: `${afterKills!.lost} / ${afterKills!.twice} of ${killed.accepted.size}`,
      raw: '',
      ratio: '',
      target: '0 / 0',
      met: afterKills!.lost === 0 && afterKills!.twice === 0,
    });
    const [audit] = await db.sql<{ sets: number; audited: number }[]>`
    select (select count(*)::int from received_sets where issuer_id = 'faults') as sets,
           (select count(*)::int from audit_log where action = 'feed.ingest' and outcome = 'stored' and actor = 'issuer:faults') as audited`;
    report.add({
      figure: 'SETs stored / their audit entries',
      measured: `${audit!.sets} / ${audit!.audited}`,
      raw: '',
      ratio: '',
      target: 'equal',
      met: audit!.sets === audit!.audited,
    });
    report.note(
      `${busyness()} Read the times as upper bounds of what the mechanism allows, not as its cost.`,
    );
    report.save();
  },
  { timeLimitMs: 15 * 60_000 },
);
