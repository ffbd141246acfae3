/**
 * The contract ledger at scale (SPEC §9): the list page, the API list, a contract's page and the home
 * page's attention count with 100 contracts and 1,000 archive records, then with 10,000 contracts and
 * 100,000 archive records in the same database (target: p99 within 2× of the small figures); and a
 * CSV import of 10,000 rows against parsing the same file alone. Data is generated in SQL; the
 * requests go over loopback to the real service in a process of its own. Prints markdown.
 *
 *   node --import tsx bench/ledger.ts
 *   BENCH_LEDGER_CONTRACTS=10000 BENCH_LEDGER_ARCHIVE=100000 BENCH_LEDGER_REPS=100 BENCH_LEDGER_CSV_ROWS=10000
 */
import { performance } from 'node:perf_hooks';
import { addOrganisation } from '../src/auth/index.js';
import { importContracts, parseContractsCsv } from '../src/ledger/index.js';
import { main } from './lib/cleanup.js';
import { createBenchDatabase, type BenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { HIROSHIMA, seedOrganisation, session } from './lib/fixtures.js';
import { describeMachine, loadavg } from './lib/machine.js';
import { num, summarise, table, type LatencySummary } from './lib/stats.js';

const CONTRACTS = Number(process.env.BENCH_LEDGER_CONTRACTS ?? 10_000);
const ARCHIVE = Number(process.env.BENCH_LEDGER_ARCHIVE ?? 100_000);
const REPS = Number(process.env.BENCH_LEDGER_REPS ?? 100);
const CSV_ROWS = Number(process.env.BENCH_LEDGER_CSV_ROWS ?? 10_000);

/**
 * Archive records [from, to) and contracts [cFrom, cTo). Contract k is linked to records 2k (中間前払金,
 * amount exactly 20%) and 2k+1 (契約保証, exactly 10%); every 7th guarantee period ends a day early
 * (mismatch), every 11th contract has no 契約保証 linked (incomplete). Other records stay unlinked.
 */
async function grow(db: BenchDatabase, from: number, to: number, cFrom: number, cTo: number): Promise<void> {
  const { sql } = db;
  await sql`
    insert into received_sets (id, issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at)
    select md5('set' || g)::uuid, 'bench', 'jti-' || g, 'jws-' || g, md5('jws' || g) || md5('jws2' || g), '{}', '{}', 'urn:shosho:certificate', 'k', 'ES256', 'push', now()
    from generate_series(${from}::int, ${to - 1}::int) g`;
  await sql`
    insert into certificate_revisions (id, issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_code, obligee_name, set_id)
    select md5('rev' || g)::uuid, 'bench', (3000000000 + g)::text, kind, 0, 'new', date '2024-10-01', jsonb_build_object(
        'number', (3000000000 + g)::text, 'kind', kind, 'revision', 0, 'revisionType', 'new', 'issuedOn', '2024-10-01',
        'guarantor', jsonb_build_object('name', '西日本建設業保証株式会社'), 'obligee', jsonb_build_object('name', '広島県知事', 'code', '340006'),
        'contractor', jsonb_build_object('name', 'ベンチ建設' || (g / 2) || '株式会社'),
        'project', jsonb_build_object('name', 'ベンチ工事' || (g / 2), 'period', jsonb_build_object('from', '2024-06-11', 'to', '2025-02-28'), 'contractPrice', 88000000),
        'guarantee', jsonb_build_object('amount', amount, 'period', jsonb_build_object('from', '2024-10-01', 'to', case when (g / 2) % 7 = 0 then '2025-02-27' else '2025-02-28' end))
          || case when kind = 'contract' then '{}'::jsonb else jsonb_build_object('advancePayment', amount) end),
      'x', '340006', '広島県知事', md5('set' || g)::uuid
    from generate_series(${from}::int, ${to - 1}::int) g,
      lateral (select case when g % 2 = 0 then 'interim_advance_payment' else 'contract' end as kind,
                      case when g % 2 = 0 then 17600000 else 8800000 end as amount) k`;
  await sql`
    insert into archive_records (id, org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind,
      revision, revision_type, project_name, contractor, obligee, search_text)
    select md5('arc' || r.number)::uuid, 'hiroshima', r.id, '\\x00', repeat('0', 64), repeat('0', 64), 'bench', 'current', 'bench', r.number, r.kind,
      0, 'new', r.payload #>> '{project,name}', r.payload #>> '{contractor,name}', '広島県知事', r.number || ' ' || (r.payload #>> '{project,name}')
    from certificate_revisions r where r.issuer_id = 'bench' and r.number::bigint - 3000000000 between ${from}::int and ${to - 1}::int`;
  await sql`
    insert into contracts (org_id, reference, project_name, contractor_name, contract_price, contract_date, period_from, period_to, required, project_key, contractor_key)
    select 'hiroshima', 'B-' || lpad(k::text, 6, '0'), 'ベンチ工事' || k, 'ベンチ建設' || k || '株式会社', 88000000, date '2024-06-10', date '2024-06-11', date '2025-02-28',
      array['interim_advance_payment', 'contract'], 'ベンチ工事' || k, 'ベンチ建設' || k || '株式会社'
    from generate_series(${cFrom}::int, ${cTo - 1}::int) k`;
  await sql`
    insert into contract_links (archive_id, org_id, contract_id, requirement, project_key, contractor_key, obligee_code, obligee_key, linked_by)
    select a.id, 'hiroshima', c.id, case when a.kind = 'contract' then 'contract' else a.kind end, a.project_name, a.contractor, '340006', '広島県知事', 'bench'
    from archive_records a join contracts c on c.org_id = 'hiroshima' and c.project_key = a.project_name and c.contractor_key = a.contractor
    where a.issuer_id = 'bench' and not (a.kind = 'contract' and (a.number::bigint - 3000000000) / 2 % 11 = 0)
      and not exists (select 1 from contract_links l where l.archive_id = a.id)`;
  await sql`analyze`;
}

async function timed(reps: number, f: () => Promise<unknown>): Promise<LatencySummary> {
  for (let i = 0; i < 5; i++) await f(); // warm
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return summarise(out);
}

interface Measured {
  figures: Map<string, LatencySummary>;
  /** the home page right after a change contract: the states computed afresh for the new ledger version */
  afterChange: LatencySummary;
  /** POST /api/v1/contracts/import of the CSV, when one is given */
  httpImportMs: number | null;
}

async function measure(db: BenchDatabase, auth: { cookie: string; token: string }, contracts: number, csv: Buffer | null): Promise<Measured> {
  const svc = await spawnService(db, { label: `ledger-${contracts}`, env: { SHOSHO_PDF_WARMUP: 'false', LOG_LEVEL: 'warn' } });
  const url = String(svc.ready.url);
  const get =
    (path: string, api = false) =>
    async () => {
      const res = await fetch(url + path, { headers: api ? { authorization: `Bearer ${auth.token}` } : { cookie: auth.cookie } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      await res.arrayBuffer();
    };
  const middle = `B-${String(Math.floor(contracts / 2) - 1).padStart(6, '0')}`;
  const figures = new Map<string, LatencySummary>([
    ['GET /contracts (first page of 50)', await timed(REPS, get('/contracts'))],
    ['GET /contracts?state=attention', await timed(REPS, get('/contracts?state=attention'))],
    // one contractor's name: the same one contract found at either size
    ['GET /contracts?q=ベンチ建設49株式会社 (one match)', await timed(REPS, get(`/contracts?q=${encodeURIComponent('ベンチ建設49株式会社')}`))],
    // a prefix: 11 matches at 100 contracts, 1,111 at 10,000, so a page of 11 rows against a page of 50
    ['GET /contracts?sort=contractor&q=ベンチ建設4 (11 vs 1,111 matches)', await timed(REPS, get(`/contracts?sort=contractor&q=${encodeURIComponent('ベンチ建設4')}`))],
    ['GET /api/v1/contracts?limit=50', await timed(REPS, get('/api/v1/contracts?limit=50', true))],
    [`GET /contracts/${middle} (contract page)`, await timed(REPS, get(`/contracts/${middle}`))],
    [`GET /api/v1/contracts/${middle}`, await timed(REPS, get(`/api/v1/contracts/${middle}`, true))],
    ['GET / (home, attention count)', await timed(REPS, get('/'))],
  ]);
  const changed: number[] = [];
  // an even number of price changes leaves the contract as it was
  for (let i = 0; i < 6; i++) {
    const put = await fetch(`${url}/api/v1/contracts/${middle}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        projectName: `ベンチ工事${Math.floor(contracts / 2) - 1}`,
        contractor: { name: `ベンチ建設${Math.floor(contracts / 2) - 1}株式会社` },
        contractPrice: 88_000_000 + ((i + 1) % 2),
        contractDate: '2024-06-10',
        period: { from: '2024-06-11', to: '2025-02-28' },
        required: ['interim_advance_payment', 'contract'],
      }),
    });
    if (put.status !== 200) throw new Error(`PUT ${middle}: ${put.status}`);
    const t = performance.now();
    await get('/')();
    changed.push(performance.now() - t);
  }
  let httpImportMs: number | null = null;
  if (csv) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/contracts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth.token}`, 'content-type': 'text/csv' },
      body: new Uint8Array(csv),
    });
    httpImportMs = performance.now() - t;
    const body = (await res.json()) as { created?: number };
    if (res.status !== 200 || body.created !== CSV_ROWS) throw new Error(`POST /api/v1/contracts/import: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  await svc.stop();
  return { figures, afterChange: summarise(changed), httpImportMs };
}

function csvOf(rows: number): Buffer {
  const lines = ['契約番号,工事名,受注者,受注者メール,請負代金額,契約日,工期開始,工期終了,必要な保証'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `CSV-${i},髙﨑地区道路改良工事（その${i}）,㈱髙﨑組${i % 500},keiyaku${i}@example.jp,"${(12_345_000 + i).toLocaleString('en-US')}円",2024/6/${1 + (i % 28)},2024/7/1,2025/3/14,中間前払金保証;契約保証`,
    );
  }
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`);
}

main(
  async () => {
    const started = new Date();
    const db = await createBenchDatabase('ledger');
    await db.sql`insert into issuers (id, iss, name, jwks_inline) values ('bench', 'https://bench.example', 'bench', '{"keys":[]}')`;
    const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'clerk', role: 'clerk' }]);
    const { cookie } = await session(db.sql, org.userIds.clerk!);
    const auth = { cookie, token: org.token };

    const smallContracts = 100;
    const smallArchive = 1000;
    let t = performance.now();
    await grow(db, 0, smallArchive, 0, smallContracts);
    console.log(`generated ${smallContracts} contracts, ${smallArchive} archive records in ${num((performance.now() - t) / 1000)} s`);
    const small = await measure(db, auth, smallContracts, null);
    t = performance.now();
    await grow(db, smallArchive, ARCHIVE, smallContracts, CONTRACTS);
    console.log(`grew to ${CONTRACTS} contracts, ${ARCHIVE} archive records in ${num((performance.now() - t) / 1000)} s`);
    // the home page's count, in SQL alone (JIT off, as the service runs it), and its plan
    const count = () =>
      db.sql.begin(async (tx) => {
        await tx`set local jit = off`;
        return tx.unsafe(
          `${process.env.BENCH_LEDGER_PLAN ? 'explain (analyze, buffers) ' : ''}select state, count(*) from contract_states where org_id = 'hiroshima' group by state`,
        );
      });
    if (process.env.BENCH_LEDGER_PLAN) console.log((await count()).map((r) => String(r['QUERY PLAN'])).join('\n'));
    const sqlCount = await timed(10, count);
    // what any one-pass computation of every state must at least do: read each linked certificate's payload
    const onePass = await timed(10, () =>
      db.sql.begin(async (tx) => {
        await tx`set local jit = off`;
        return tx`select count(*) filter (where (r.payload -> 'guarantee' -> 'period' ->> 'to')::date < c.period_to)
      from contract_links l join contracts c on c.id = l.contract_id join archive_records a on a.id = l.archive_id join certificate_revisions r on r.id = a.revision_id
      where l.org_id = 'hiroshima'`;
      }),
    );
    const csv = csvOf(CSV_ROWS);
    const load = loadavg();
    const large = await measure(db, auth, CONTRACTS, csv);
    const [{ n: attention } = { n: '0' }] = await db.sql<
      { n: string }[]
    >`select count(*) as n from contract_states where org_id = 'hiroshima' and state = 'attention'`;

    // CSV import: the whole import (decode, parse, plan against the stored contracts, write, audit) vs parsing alone
    const parses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = performance.now();
      const { errors } = parseContractsCsv(csv, 'ja');
      parses.push(performance.now() - p);
      if (errors.length) throw new Error(`the generated CSV has errors: ${JSON.stringify(errors.slice(0, 3))}`);
    }
    await addOrganisation(db.sql, { id: 'importer', name: '取込', obligees: [{ code: '340007', name: null }] });
    let p = performance.now();
    const created = await importContracts(db.sql, 'importer', csv, { actor: 'bench' });
    const importMs = performance.now() - p;
    p = performance.now();
    const replaced = await importContracts(db.sql, 'importer', Buffer.from(csv.toString('utf8').replaceAll('2025/3/14', '2025/3/31')), { actor: 'bench' });
    const replaceMs = performance.now() - p;
    const parseMs = summarise(parses).p50;

    const rows = [...small.figures.keys()].map((name, i) => {
      const a = small.figures.get(name)!;
      const b = [...large.figures.values()][i]!;
      return [name, num(a.p50), num(a.p99), num(b.p50), num(b.p99), `${num(b.p99 / a.p99)}×`];
    });
    rows.push([
      'GET / right after a change contract (states computed afresh, 6 runs)',
      num(small.afterChange.p50),
      num(small.afterChange.p99),
      num(large.afterChange.p50),
      num(large.afterChange.p99),
      `${num(large.afterChange.p99 / small.afterChange.p99)}×`,
    ]);
    console.log(`\n### Contract ledger (bench/ledger.ts), ${started.toISOString()}\n`);
    console.log(
      `Machine: ${describeMachine()}; load average while measuring the large set: ${load}. ${REPS} sequential requests per row after 5 warm-up requests, over loopback to the service in its own process.\n`,
    );
    console.log(
      table(
        [
          'request',
          `p50 ms (${smallContracts} contracts, ${num(smallArchive, 0)} records)`,
          'p99 ms',
          `p50 ms (${num(CONTRACTS, 0)} contracts, ${num(ARCHIVE, 0)} records)`,
          'p99 ms',
          'p99 ratio',
        ],
        rows,
      ),
    );
    console.log(
      `\n${attention} of ${CONTRACTS} contracts need attention in the large set. Every state computed afresh in SQL alone (contract_states, what a request paid before): p50 ${num(sqlCount.p50)} ms, p99 ${num(sqlCount.p99)} ms (10 runs); reading every linked certificate's payload in one pass (the least a one-pass computation does): p50 ${num(onePass.p50)} ms, p99 ${num(onePass.p99)} ms (10 runs).\n`,
    );
    console.log(
      table(
        ['CSV import', 'ms', 'vs parsing alone'],
        [
          [`parse ${num(CSV_ROWS, 0)} rows (UTF-8 with BOM, median of 3)`, num(parseMs), '1×'],
          [
            `POST /api/v1/contracts/import, ${num(CSV_ROWS, 0)} new contracts (${num(csv.length / 1024 / 1024)} MiB) over loopback`,
            num(large.httpImportMs!),
            `${num(large.httpImportMs! / parseMs)}×`,
          ],
          [`import ${num(CSV_ROWS, 0)} new contracts (${created.created} created)`, num(importMs), `${num(importMs / parseMs)}×`],
          [`import the same file with every period.to moved (${replaced.updated} change contracts)`, num(replaceMs), `${num(replaceMs / parseMs)}×`],
        ],
      ),
    );
  },
  { timeLimitMs: 30 * 60_000 },
);
