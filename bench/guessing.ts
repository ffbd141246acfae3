/**
 * Guessing (SPEC §3): (1) the time of a wrong-key lookup on numbers with 1, 4 and 8 revisions
 * (ln=15 digests, each revision its own key) against an unknown number, interleaved round by round
 * (target: medians within 10%); (2) a burst of unauthenticated logins from as many addresses
 * (SHOSHO_TRUST_PROXY=true) while clerks keep looking certificates up with their right keys: what the
 * logins answer and the clerks' lookup latency and statuses, against the same lookups without the burst.
 *
 *   node --import tsx bench/guessing.ts        (BENCH_GUESS_ROUNDS=15 BENCH_FLOOD_LOGINS=300)
 */
import { changeRevision } from '../reference-issuer/index.js';
import { main } from './lib/cleanup.js';
import { createBenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { digestFor, HIROSHIMA, ingestTokens, issueCertificates, payload, registerIssuer, seedOrganisation } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText, type Req } from './lib/http.js';
import { busyness, loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { median, num, pct, summarise } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_GUESS_ROUNDS ?? 15);
const FLOOD = Number(process.env.BENCH_FLOOD_LOGINS ?? 300);
const KEY = 'QW12-ER34-TY56';
const CLERKS = 2;

main(
  async () => {
    const report = new Report('guessing', "Guessing: wrong-key lookup time by revisions; clerks' lookups during a login flood");
    const db = await createBenchDatabase('bench_guessing');
    const issuer = await registerIssuer(db.sql);
    const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
    console.log('issuing numbers with 1, 4 and 8 revisions (ln=15, a key per revision)…');
    const subjects: Record<string, string> = { unknown: '2089999999', '1 revision': '2080000001', '4 revisions': '2080000004', '8 revisions': '2080000008' };
    const tokens: string[] = [];
    for (const [number, revisions] of [
      ['2080000001', 1],
      ['2080000004', 4],
      ['2080000008', 8],
    ] as const) {
      let p = payload(1, number, 'advance_payment', await digestFor(`K0-${number}`));
      for (let r = 0; r < revisions; r++) {
        if (r > 0) p = changeRevision(p, r, await digestFor(`K${r}-${number}`), `2024-07-${String(r).padStart(2, '0')}`);
        tokens.push((await issuer.sign(p)).token);
      }
    }
    await ingestTokens(db.sql, tokens);
    const rightNumbers = await issueCertificates(db.sql, issuer, { first: 2_090_000_000, count: 50, authKey: KEY });

    const svc = await spawnService(db, {
      label: 'service',
      env: { SHOSHO_TRUST_PROXY: 'true', SHOSHO_PDF_WARMUP: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    const client = new HttpClient(String(svc.ready.url), 512);
    const api = (number: string, authKey: string, from: string, kind: string): Req => ({
      kind,
      method: 'POST',
      path: '/api/v1/lookup',
      body: JSON.stringify({ number, authKey }),
      headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/json', 'x-forwarded-for': from },
    });

    // (1) wrong-key timing, interleaved: each round asks every subject once, starting elsewhere each time
    const names = Object.keys(subjects);
    const times = new Map(names.map((n) => [n, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length]!;
        const res = await client.request(api(subjects[name]!, 'WRONG-KEY-0000', '192.0.2.10', name));
        if (res.status !== 404) throw new Error(`${name}: expected 404, got ${res.status}`);
        times.get(name)!.push(res.ms);
      }
      await db.sql`delete from attempt_failures`; // stay below every lockout
    }
    const unknown = median(times.get('unknown')!);
    for (const name of names.slice(1)) {
      const m = median(times.get(name)!);
      report.add({
        figure: `wrong-key lookup, number with ${name} (ln=15), median of ${ROUNDS}`,
        measured: `${num(m)} ms`,
        raw: `${num(unknown)} ms for an unknown number (same rounds)`,
        ratio: pct(m / unknown),
        target: 'within 10% (90–110%)',
        met: Math.abs(m / unknown - 1) <= 0.1,
      });
    }
    const timingLoad = loadavg();

    // (2) clerks' lookups alone, then during a burst of logins from FLOOD addresses
    const page = await client.request({ method: 'GET', path: '/login', keepBody: true });
    const cookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body!.toString())![1]!;
    let n = 0;
    const clerk = (): Req => api(rightNumbers[n++ % rightNumbers.length]!, KEY, '192.0.2.20', 'clerk');
    const alone = await closedLoop({ client, clients: CLERKS, durationMs: 10_000, next: clerk });
    let flooding = true;
    const during = closedLoop({ client, clients: CLERKS, next: () => (flooding ? clerk() : null) });
    const started = performance.now();
    const logins = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) =>
        client
          .request({
            method: 'POST',
            path: '/login',
            body: new URLSearchParams({ username: `flood${i}`, password: 'not-the-password', _csrf: csrf }).toString(),
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.2.${i >> 8}.${i & 255}` },
          })
          .then(
            (r) => r.status,
            (e: Error) => `error: ${e.message}`,
          ),
      ),
    );
    const floodMs = performance.now() - started;
    flooding = false;
    const lookups = await during;
    const floodLoad = loadavg();
    const loginStatuses = new Map<number | string, number>();
    for (const s of logins) loginStatuses.set(s, (loginStatuses.get(s) ?? 0) + 1);
    const a = alone.latency;
    const d = summarise(lookups.kinds.get('clerk')?.latencies ?? []);
    const clerkStatuses = lookups.kinds.get('clerk')?.statuses ?? new Map();
    report.add({
      figure: `${FLOOD} logins at once from ${FLOOD} addresses (unknown users)`,
      measured: `${[...loginStatuses].map(([s, c]) => `${s}×${c}`).join(' ')} in ${num(floodMs)} ms`,
      raw: '',
      ratio: '',
      target: 'only 401 or 503 + Retry-After (never 500)',
      met: [...loginStatuses.keys()].every((s) => s === 401 || s === 503),
    });
    report.add({
      figure: `clerks' right-key lookups (${CLERKS} clients) during the login burst`,
      measured: `${lookups.kinds.get('clerk')?.latencies.length ?? 0} lookups, ${statusText(clerkStatuses)}, p50 ${num(d.p50)} ms, p99 ${num(d.p99)} ms`,
      raw: `p50 ${num(a.p50)} ms, p99 ${num(a.p99)} ms without the burst (${statusText(alone.statuses)})`,
      ratio: `${num(d.p50 / a.p50)}× p50`,
      target: 'all 200 (logins do not starve lookups)',
      met: [...clerkStatuses.keys()].every((s) => s === 200),
    });
    report.note(
      `Load average: timing ${timingLoad}, flood ${floodLoad}. ${busyness()} Medians are interleaved per round so a busy spell hits every subject alike. A wrong key always does the work of eight derivations at ln=15: the number's digests, newest first, each counted at its measured cost, then dummy derivations at ln=15 (src/lookup/key-check.ts). Logins and lookups queue apart in the scrypt pool (32 waiting each per thread, at most 10 s) and take free threads in turn; a full queue or a longer wait answers 503 with Retry-After and counts no failure.`,
    );
    client.close();
    await svc.stop();
    report.save();
    await db.drop();
  },
  { timeLimitMs: 15 * 60_000 },
);
