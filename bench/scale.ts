/**
 * Scale: loads 10,000 certificate revisions (with their received_sets rows) and 1,000 archive
 * records for one organisation through SQL, measures lookup, page view and archive search p99,
 * grows the same database to 1,000,000 revisions and 100,000 archive records, measures again
 * (target: p99 within 2× of the 10,000 figures), and writes EXPLAIN (ANALYZE, BUFFERS) of the
 * queries relied on into BENCHMARKS.md.
 *
 *   node --import tsx bench/scale.ts       (BENCH_SCALE_SIZES=10000,1000000 BENCH_SCALE_SECONDS=20)
 */
import postgres from 'postgres';
import { archiveSearchSchema, searchArchive } from '../src/archive/index.js';
import { ScryptPool } from '../src/auth/index.js';
import { likeContaining } from '../src/domain/index.js';
import { createLookup, loadCertificate } from '../src/lookup/index.js';
import { main } from './lib/cleanup.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { HIROSHIMA, registerIssuer, seedOrganisation, session } from './lib/fixtures.js';
import { closedLoop, HttpClient, statusText, type Req } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { createReferenceTables, growArchive, growRevisions, realValues } from './lib/scale-data.js';
import { num, summarise, type LatencySummary } from './lib/stats.js';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '10000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SCALE_SECONDS ?? 20);
const KEY = 'QW12-ER34-TY56';
const SQL_REPS = 200;

interface Figures {
  size: number;
  archive: number;
  lookup: LatencySummary;
  view: LatencySummary;
  search: LatencySummary;
  searchKinds: Map<string, LatencySummary>;
  sqlLookup: LatencySummary;
  sqlView: LatencySummary;
  sqlSearch: Map<string, LatencySummary>;
  load: string;
  others: number;
}

/** the archive searches a clerk makes, by name */
function searches(cursor: string | null): Array<[string, string]> {
  return [
    ['newest first', ''],
    ['q=道路改良 (project)', `q=${encodeURIComponent('道路改良')}`],
    ['q=瀬戸内土木 (contractor)', `q=${encodeURIComponent('瀬戸内土木')}`],
    ['q=２００００１ (full-width number part)', `q=${encodeURIComponent('２００００１')}`],
    ['q=2000-01 (number part with a dash: two terms)', `q=${encodeURIComponent('2000-01')}`],
    ['q=護岸 (2 characters)', `q=${encodeURIComponent('護岸')}`],
    ['status=withdrawn', 'status=withdrawn'],
    ['kind=contract&status=superseded', 'kind=contract&status=superseded'],
    ['from/to one fiscal year', 'from=2023-04-01&to=2024-03-31'],
    ...(cursor ? [['q=道路改良, page 2 (cursor)', `q=${encodeURIComponent('道路改良')}&cursor=${cursor}`] as [string, string]] : []),
  ];
}

async function timeRepeated(reps: number, f: (i: number) => Promise<unknown>, maxMs = 8000): Promise<LatencySummary> {
  const out: number[] = [];
  const end = performance.now() + maxMs;
  for (let i = 0; i < reps && (i < 20 || performance.now() < end); i++) {
    const t = performance.now();
    await f(i);
    out.push(performance.now() - t);
  }
  return summarise(out);
}

async function measure(
  db: BenchDatabase,
  size: number,
  archive: number,
  org: { token: string; userIds: Record<string, string> },
  sample: { ids: string[]; numbers: string[] },
): Promise<Figures> {
  const svc = await spawnService(db, { label: `service-${size}` });
  const client = new HttpClient(String(svc.ready.url), 16);
  const c0 = cpuSnapshot({ service: svc.pid });
  const api = { authorization: `Bearer ${org.token}` };
  // lookups: right key on numbers that exist in both sizes
  let n = 0;
  const lookups = await closedLoop({
    client,
    clients: 2,
    total: 40,
    next: () => ({
      method: 'POST',
      path: '/api/v1/lookup',
      headers: { ...api, 'content-type': 'application/json' },
      body: JSON.stringify({ number: sample.numbers[n++ % sample.numbers.length], authKey: KEY }),
    }),
  });
  if (lookups.statuses.get(200) !== lookups.requests) throw new Error(`lookups: ${statusText(lookups.statuses)}`);
  // page views
  const sessions = await Promise.all(Array.from({ length: 4 }, () => session(db.sql, org.userIds.tanaka!)));
  let v = 0;
  await closedLoop({
    client,
    clients: 4,
    durationMs: 1000,
    next: (c) => ({ method: 'GET', path: `/certificates/${sample.ids[v++ % sample.ids.length]}`, headers: { cookie: sessions[c]!.cookie } }),
  });
  const views = await closedLoop({
    client,
    clients: 4,
    durationMs: SECONDS * 1000,
    next: (c) => ({ method: 'GET', path: `/certificates/${sample.ids[v++ % sample.ids.length]}`, headers: { cookie: sessions[c]!.cookie } }),
  });
  if (views.statuses.get(200) !== views.requests) throw new Error(`views: ${statusText(views.statuses)}`);
  // archive searches
  const page1 = await client.request({ method: 'GET', path: `/api/v1/archive?q=${encodeURIComponent('道路改良')}`, headers: api, keepBody: true });
  const cursor = (JSON.parse(page1.body!.toString()) as { next: string | null }).next;
  const mix = searches(cursor);
  let s = 0;
  const search = (): Req => {
    const [kind, qs] = mix[s++ % mix.length]!;
    return { kind, method: 'GET', path: `/api/v1/archive${qs ? `?${qs}` : ''}`, headers: api };
  };
  await closedLoop({ client, clients: 4, durationMs: 1000, next: search });
  const found = await closedLoop({ client, clients: 4, durationMs: SECONDS * 1000, next: search });
  if (found.statuses.get(200) !== found.requests) throw new Error(`archive searches: ${statusText(found.statuses)}`);
  const cpu = cpuBetween(c0, cpuSnapshot({ service: svc.pid }));
  client.close();
  await svc.stop();

  // the same queries alone, from here, one at a time (no HTTP, no scrypt, no audit)
  const sql = postgres(db.url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  const sqlLookup = await timeRepeated(
    SQL_REPS,
    (i) => sql`
    select id, auth_key_digest, obligee_code, obligee_name from certificate_revisions
    where number = ${sample.numbers[i % sample.numbers.length]!} order by revision desc, id`,
  );
  const sqlView = await timeRepeated(SQL_REPS, (i) => loadCertificate(sql, HIROSHIMA.id, sample.ids[i % sample.ids.length]!));
  const sqlSearch = new Map<string, LatencySummary>();
  for (const [kind, qs] of mix) {
    const q = Object.fromEntries(new URLSearchParams(qs));
    sqlSearch.set(kind, await timeRepeated(SQL_REPS / 2, () => searchArchive(sql, HIROSHIMA.id, q)));
  }
  // before: each text search walking the archive in page order, testing every row (the plan before trigram-first), one page of ids
  for (const [kind, qs] of mix.filter(([k]) => k.startsWith('q='))) {
    const q = archiveSearchSchema.parse(Object.fromEntries(new URLSearchParams(qs))).q!;
    sqlSearch.set(
      `before: ${kind}, walked in page order`,
      await timeRepeated(
        SQL_REPS / 2,
        () => sql`
      select a.id from archive_records a
      where a.org_id = ${HIROSHIMA.id} and a.search_text ilike ${likeContaining(q)}
      order by a.archived_at desc, a.id desc limit 51`,
      ),
    );
  }
  await sql.end();
  const kinds = new Map([...found.kinds].map(([k, r]) => [k, summarise(r.latencies)]));
  const f: Figures = {
    size,
    archive,
    lookup: lookups.latency,
    view: views.latency,
    search: found.latency,
    searchKinds: kinds,
    sqlLookup,
    sqlView,
    sqlSearch,
    load: loadavg(),
    others: cpu.others,
  };
  console.log(
    `${num(size, 0)} revisions, ${num(archive, 0)} archived: lookup p99 ${num(f.lookup.p99)} ms (SQL ${num(sqlLookup.p99)}), view p99 ${num(f.view.p99)} ms (SQL ${num(sqlView.p99)}), search p99 ${num(f.search.p99)} ms  [load ${f.load}]`,
  );
  for (const [k, l] of kinds) console.log(`   ${k}: p50 ${num(l.p50)} p99 ${num(l.p99)} ms (SQL p99 ${num(sqlSearch.get(k)!.p99)} ms)`);
  return f;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every read query the given work sends, captured from the client. */
async function plans(db: BenchDatabase, title: string, work: (sql: postgres.Sql) => Promise<unknown>, keep: (query: string) => boolean): Promise<string[]> {
  const seen: Array<{ query: string; params: unknown[] }> = [];
  const sql = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    connection: { TimeZone: 'UTC' },
    debug: (_c, query, params) => void seen.push({ query, params: params as unknown[] }),
  });
  await work(sql);
  await sql.end();
  const plain = postgres(db.url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  const out: string[] = [];
  for (const { query, params } of seen) {
    if (!/^\s*select/i.test(query) || /pg_catalog\.pg_type/.test(query) || !keep(query)) continue;
    const rows = await plain.unsafe(`explain (analyze, buffers) ${query}`, params as never[]);
    const q = query.replace(/\s+/g, ' ').trim();
    out.push(`${title}: \`${q.length > 400 ? `${q.slice(0, 400)} …` : q}\`\n\n\`\`\`\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\``);
  }
  await plain.end();
  return out;
}

main(
  async () => {
    const report = new Report('scale', `Scale: p99 at ${SIZES.map((s) => num(s, 0)).join(' and ')} certificate revisions`);
    const db = await createBenchDatabase('bench_scale');
    const issuer = await registerIssuer(db.sql);
    const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
    const values = await realValues(db.sql, issuer, KEY);
    await createReferenceTables(db.sql);

    const figures: Figures[] = [];
    let sample: { ids: string[]; numbers: string[] } | null = null;
    const loads: string[] = [];
    for (const size of SIZES) {
      const archive = Math.round(size / 10);
      const t = performance.now();
      await growRevisions(db.sql, values, size, 100_000, (done) => process.stdout.write(`  revisions: ${num(done, 0)}\r`));
      await growArchive(db.sql, values, HIROSHIMA.id, HIROSHIMA.code, archive);
      const loaded = performance.now() - t;
      await db.sql`vacuum (analyze) received_sets, certificate_revisions, withdrawals, unlocks, archive_records`;
      const [sizes] = await db.sql<{ revisions: number; sets: number; archived: number; bytes: string }[]>`
      select (select count(*)::int from certificate_revisions) as revisions, (select count(*)::int from received_sets) as sets,
             (select count(*)::int from archive_records) as archived, pg_size_pretty(pg_database_size(current_database())) as bytes`;
      const msg = `loaded ${num(size, 0)} revisions + ${num(archive, 0)} archive records in ${num(loaded / 1000, 1)} s (vacuum analyze after); database ${sizes!.bytes}: ${num(sizes!.revisions, 0)} revisions, ${num(sizes!.sets, 0)} received_sets (withdrawals included), ${num(sizes!.archived, 0)} archive records`;
      console.log(msg);
      loads.push(msg);
      // the same certificates are looked up and viewed at every size
      sample ??= await (async () => {
        const rows = await db.sql<{ id: string; number: string }[]>`
        select r.id, r.number from archive_records a join certificate_revisions r on r.id = a.revision_id
        where a.org_id = ${HIROSHIMA.id} order by a.revision_id limit 50`;
        return { ids: rows.map((r) => r.id), numbers: [...new Set(rows.map((r) => r.number))] };
      })();
      figures.push(await measure(db, size, archive, org, sample));
    }

    const [small, big] = [figures[0]!, figures[figures.length - 1]!];
    const row2 = (figure: string, a: LatencySummary, b: LatencySummary) =>
      report.add({
        figure,
        measured: `p99 ${num(b.p99)} ms at ${num(big.size, 0)} (p50 ${num(b.p50)})`,
        raw: `p99 ${num(a.p99)} ms at ${num(small.size, 0)} (p50 ${num(a.p50)})`,
        ratio: `${num(b.p99 / a.p99)}×`,
        target: '≤ 2×',
        met: b.p99 / a.p99 <= 2,
      });
    row2('API lookup, right key (HTTP; one ln=15 scrypt each)', small.lookup, big.lookup);
    row2('lookup query alone (candidates by number)', small.sqlLookup, big.sqlLookup);
    row2('GET /certificates/:id (HTTP, signed in)', small.view, big.view);
    row2('certificate read model alone (loadCertificate)', small.sqlView, big.sqlView);
    row2(`GET /api/v1/archive, mix of ${small.searchKinds.size} searches (HTTP)`, small.search, big.search);
    for (const k of big.searchKinds.keys()) {
      const a = small.searchKinds.get(k);
      const b = big.searchKinds.get(k)!;
      if (a) row2(`  archive: ${k} (HTTP)`, a, b);
    }
    for (const k of big.sqlSearch.keys()) {
      const a = small.sqlSearch.get(k);
      if (!a) continue;
      if (k.startsWith('before')) {
        const b = big.sqlSearch.get(k)!;
        report.add({
          figure: `  ${k} (SQL alone, ids only)`,
          measured: `p99 ${num(b.p99)} ms at ${num(big.size, 0)} (p50 ${num(b.p50)})`,
          raw: `p99 ${num(a.p99)} ms at ${num(small.size, 0)} (p50 ${num(a.p50)})`,
          ratio: `${num(b.p99 / a.p99)}×`,
          target: '(the change, measured)',
          met: null,
        });
      } else row2(`  archive: ${k} (searchArchive alone)`, a, big.sqlSearch.get(k)!);
    }

    // plans of the queries relied on, at the largest size
    const sqlPlans: string[] = [];
    const pool = new ScryptPool(1);
    sqlPlans.push(
      ...(await plans(
        db,
        'Lookup',
        async (sql) => {
          const lookup = createLookup({ sql, pool });
          const r = await lookup({ orgId: HIROSHIMA.id, actor: 'bench', number: sample!.numbers[0]!, authKey: KEY, client: '127.0.0.1' });
          if (r.status !== 'ok') throw new Error(`plan lookup: ${r.status}`);
        },
        (q) => /certificate_revisions|attempt_failures|organisation_obligees|audit_log/.test(q),
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Read model',
        (sql) => loadCertificate(sql, HIROSHIMA.id, sample!.ids[0]!),
        () => true,
      )),
    );
    const cursor = (await searchArchive(db.sql, HIROSHIMA.id, { q: '道路改良' })).next;
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search q',
        (sql) => searchArchive(sql, HIROSHIMA.id, { q: '道路改良' }),
        () => true,
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search q, page 2',
        (sql) => searchArchive(sql, HIROSHIMA.id, { q: '道路改良', ...(cursor ? { cursor } : {}) }),
        () => true,
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search q (contractor, selective)',
        (sql) => searchArchive(sql, HIROSHIMA.id, { q: '瀬戸内土木' }),
        () => true,
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search q (part of a number)',
        (sql) => searchArchive(sql, HIROSHIMA.id, { q: '２００００１' }),
        () => true,
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search status',
        (sql) => searchArchive(sql, HIROSHIMA.id, { status: 'withdrawn' }),
        () => true,
      )),
    );
    sqlPlans.push(
      ...(await plans(
        db,
        'Archive search q + status',
        (sql) => searchArchive(sql, HIROSHIMA.id, { q: '道路改良', status: 'superseded' }),
        () => true,
      )),
    );

    report.note(
      [
        ...loads.map((l) => `- ${l}`),
        `- Each size measured against a fresh service process: 40 right-key API lookups (2 clients), ${SECONDS} s of page views (4 signed-in clients, 50 archived certificates of 広島県), ${SECONDS} s of archive searches (4 clients, the mix below, round robin); then each query alone, ${SQL_REPS} times one at a time from this process. Load average ${small.load} → ${big.load}; other people's work on the machine during the HTTP runs ${num(small.others, 1)} → ${num(big.others, 1)} CPU-s.`,
        `- Searches: ${searches('…')
          .map(([k]) => k)
          .join('; ')}.`,
        `- Text searches (q of three characters or more) that the planner expects to match at most 5,000 records, and no more than a page or 1% of the organisation's, run trigram-first (src/archive/search.ts): the GIN index finds every match and they are sorted; the others walk the archive in page order, testing each record until a page is full. The "before" rows time the walk, one page of ids, for every text search of the mix in the same run.`,
        '',
        '<details><summary>EXPLAIN (ANALYZE, BUFFERS) at the largest size</summary>',
        '',
        ...sqlPlans.flatMap((p) => [p, '']),
        '</details>',
      ].join('\n'),
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 20 * 60_000 },
);
