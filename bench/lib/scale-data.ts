/**
 * Generates certificate revisions (with their received_sets rows), withdrawals, unlocks and archive
 * records in SQL (generate_series, insert … select), with realistic distributions, for bench/scale.ts.
 * Deterministic: every attribute is a hash of the certificate's index, so growing from 10,000 to
 * 1,000,000 adds certificates and leaves the first ones as they were.
 *
 * Distributions: kinds 50% 前払金 / 15% 中間前払金 / 35% 契約保証; revisions per certificate 1 (65%),
 * 2 (22%), 3 (9%), 4 (4%), later ones 80% change and 20% correction; 30 obligees with uneven
 * shares (広島県知事 12%, 岡山県知事 10%, 国土交通省中国地方整備局長 8% without a code, …); issue dates
 * over six and a half years; 2% of certificates cancelled (解約) and 0.5% issued in error (取消).
 * Values that must be valid are real: every received_sets row holds one real signed SET (its jws,
 * header and claims; jti differs per row), every revision one real ln=15 auth-key digest.
 */
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import type postgres from 'postgres';
import { digestFor, ingestTokens, payload, type BenchIssuer } from './fixtures.js';

const OBLIGEES: Array<[name: string, code: string | null, place: string, share: number]> = [
  ['広島県知事', '340006', '広島県広島市中区', 120],
  ['岡山県知事', '330001', '岡山県岡山市北区', 100],
  ['国土交通省中国地方整備局長', null, '広島県広島市中区', 80],
  ['山口県知事', '350001', '山口県山口市', 60],
  ['鳥取県知事', '310000', '鳥取県鳥取市', 40],
  ['島根県知事', '320005', '島根県松江市', 40],
  ['広島市長', '341002', '広島県広島市', 50],
  ['福山市長', '342076', '広島県福山市', 40],
  ['呉市長', '342025', '広島県呉市', 25],
  ['尾道市長', '342050', '広島県尾道市', 20],
  ['三原市長', '342041', '広島県三原市', 15],
  ['東広島市長', '342122', '広島県東広島市', 20],
  ['岡山市長', '331007', '岡山県岡山市', 40],
  ['倉敷市長', '332020', '岡山県倉敷市', 35],
  ['津山市長', '332038', '岡山県津山市', 12],
  ['下関市長', '352012', '山口県下関市', 25],
  ['宇部市長', '352021', '山口県宇部市', 15],
  ['周南市長', '352152', '山口県周南市', 15],
  ['米子市長', '312029', '鳥取県米子市', 12],
  ['松江市長', '322016', '島根県松江市', 15],
  ['出雲市長', '322032', '島根県出雲市', 12],
  ['広島県企業局長', null, '広島県広島市中区', 20],
  ['岡山県企業局長', null, '岡山県岡山市北区', 15],
  ['中国地方整備局 太田川河川事務所長', null, '広島県広島市中区', 20],
  ['西日本高速道路株式会社中国支社長', null, '広島県広島市中区', 25],
  ['廿日市市長', '342131', '広島県廿日市市', 12],
  ['府中市長', '342084', '広島県府中市', 8],
  ['総社市長', '332089', '岡山県総社市', 8],
  ['岩国市長', '352080', '山口県岩国市', 15],
  ['浜田市長', '322024', '島根県浜田市', 10],
];

const lit = (xs: readonly string[]) => `array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;
const ROUTE = lit([
  '一般国道2号',
  '一般国道54号',
  '県道福山鞆線',
  '県道広島三次線',
  '市道中央線',
  '二級河川芦田川',
  '一級河川太田川',
  '旭川水系',
  '高梁川',
  '江の川',
  '錦川',
  '港湾施設',
  '市立小学校',
  '県立高等学校',
  '上水道',
  '下水道',
  '砂防',
  '農業用ため池',
  '県営住宅',
  '総合運動公園',
]);
const WORK = lit([
  '道路改良工事',
  '護岸改修工事',
  '舗装補修工事',
  '砂防堰堤工事',
  '屋内運動場改築工事',
  '配水管布設替工事',
  '耐震補強工事',
  '橋梁長寿命化修繕工事',
  '法面対策工事',
  '管渠更生工事',
  '築造工事',
  '災害復旧工事',
  '電気設備工事',
  '空調設備改修工事',
]);
const SECTION = lit(['', '（第1工区）', '（第2工区）', '（その1）', '（その2）', '（上流工区）', '（下流工区）', '（R6-1）']);
const FIRM_A = lit([
  '備後',
  '瀬戸内',
  '中国',
  '吉備',
  '安芸',
  '芸備',
  '福山',
  '尾道',
  '呉',
  '三原',
  '周防',
  '長門',
  '出雲',
  '伯耆',
  '美作',
  '宇品',
  '鞆',
  '西日本',
  '山陽',
  '山陰',
]);
const FIRM_B = lit(['建設', '土木工業', '舗装', '橋梁', '組', '工務店', '電設', '開発', '興業', '技建']);
const SURNAME = lit(['佐藤', '田中', '山本', '小林', '中村', '渡辺', '高橋', '伊藤', '藤井', '岡田']);
const GIVEN = lit(['花子', '一郎', '健二', '美咲', '誠', '裕子', '大輔', '直樹', '陽子', '隆']);
const OFFICE = lit(['広島支店', '岡山支店', '山口支店', '鳥取支店', '島根支店']);

/** h(c, salt) in 0..999, deterministic */
const h = (c: string, salt: number) => `(abs(hashint4(${c} * 31 + ${salt})) % 1000)`;
const pick = (arr: string, c: string, salt: number) => `(${arr})[1 + abs(hashint4(${c} * 37 + ${salt})) % cardinality(${arr})]`;
const uuidOf = (prefix: string, i: string) => `('${prefix}-0000-4000-8000-' || lpad(to_hex(${i}), 12, '0'))::uuid`;

export interface RealValues {
  issuerId: string;
  jws: string;
  jwsSha256: string;
  header: object;
  claims: object;
  kid: string;
  digest: string;
  pdf: Buffer;
  pdfSha256: string;
}

/** One real signed SET with `authKey`'s digest, stored through the real receiver, and a placeholder PDF: the bytes every generated row reuses. */
export async function realValues(sql: postgres.Sql, issuer: BenchIssuer, authKey: string): Promise<RealValues> {
  const digest = await digestFor(authKey);
  const real = await issuer.sign(payload(1, '1999999999', 'advance_payment', digest));
  await ingestTokens(sql, [real.token]);
  const [row] = await sql<
    { jws: string; jws_sha256: string; header: object; claims: object }[]
  >`select jws, jws_sha256, header, claims from received_sets where jti = ${real.jti}`;
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]);
  doc.setTitle('shosho bench placeholder');
  const pdf = Buffer.from(await doc.save());
  return {
    issuerId: issuer.id,
    jws: row!.jws,
    jwsSha256: row!.jws_sha256,
    header: row!.header,
    claims: row!.claims,
    kid: issuer.key.kid,
    digest,
    pdf,
    pdfSha256: createHash('sha256').update(pdf).digest('hex'),
  };
}

export async function createReferenceTables(sql: postgres.Sql): Promise<void> {
  await sql`create table bench_obligees (idx int primary key, name text not null, code text, place text not null, lo int not null, hi int not null)`;
  const total = OBLIGEES.reduce((a, o) => a + o[3], 0);
  let lo = 0;
  const rows = OBLIGEES.map(([name, code, place, share], idx) => {
    const span = Math.round((share / total) * 1000);
    const row = { idx, name, code, place, lo, hi: idx === OBLIGEES.length - 1 ? 999 : lo + span - 1 };
    lo += span;
    return row;
  });
  await sql`insert into bench_obligees ${sql(rows)}`;
  // one row per generated revision: i (global index), c (certificate), r (revision)
  await sql`create table bench_gen (i int primary key, c int not null, r int not null)`;
}

/**
 * Adds revisions up to `total` in all (certificates continue after the last one), with their
 * received_sets rows and the withdrawals of the new certificates, in chunks of `chunk` revisions
 * per transaction. Returns how many were added.
 */
export async function growRevisions(
  sql: postgres.Sql,
  v: RealValues,
  total: number,
  chunk = 100_000,
  progress: (done: number) => void = () => {},
): Promise<number> {
  const [row] = await sql<{ n: number; lastc: number }[]>`select count(*)::int as n, coalesce(max(c), 0)::int as lastc from bench_gen`;
  const { n, lastc } = row!;
  const need = total - n;
  if (need <= 0) return 0;
  const revCount = `(case when ${h('c', 1)} < 650 then 0 when ${h('c', 1)} < 870 then 1 when ${h('c', 1)} < 960 then 2 else 3 end)`;
  await sql.unsafe(`
    insert into bench_gen (i, c, r)
    select ${n} + row_number() over (order by c, r), c, r
    from generate_series(${lastc + 1}, ${lastc + 1 + Math.ceil(need / 1.4) + 1000}) c
    cross join lateral generate_series(0, ${revCount}) r
    order by c, r
    limit ${need}`);
  for (let lo = n + 1; lo <= total; lo += chunk) {
    const hi = Math.min(total, lo + chunk - 1);
    await sql.begin(async (tx) => {
      await tx`set local synchronous_commit = off`;
      await tx.unsafe(`
        create temp table bench_rev on commit drop as
        select g.i, g.c, g.r,
          '20' || lpad(g.c::text, 8, '0') as number,
          case when ${h('g.c', 2)} < 500 then 'advance_payment' when ${h('g.c', 2)} < 650 then 'interim_advance_payment' else 'contract' end as kind,
          case when g.r = 0 then 'new' when ${h('g.c * 10 + g.r', 3)} < 800 then 'change' else 'correction' end as revision_type,
          date '2019-04-01' + (abs(hashint4(g.c * 31 + 4)) % 2370) + g.r * 45 as issued_on,
          date '2019-04-01' + (abs(hashint4(g.c * 31 + 4)) % 2370) - 2 as contract_date,
          180 + (abs(hashint4(g.c * 31 + 5)) % 300) + g.r * 45 as days,
          ((30000 + (abs(hashint4(g.c * 31 + 6)) % 470000)) * 1100)::bigint as price,
          o.name as obligee_name, o.code as obligee_code, o.place,
          ${pick(FIRM_A, 'g.c', 7)} || ${pick(FIRM_B, 'g.c', 8)} || '株式会社' as contractor,
          ${pick(ROUTE, 'g.c', 9)} || ${pick(WORK, 'g.c', 10)} || ${pick(SECTION, 'g.c', 11)} as project,
          '代表取締役 ' || ${pick(SURNAME, 'g.c', 12)} || ${pick(GIVEN, 'g.c', 13)} as representative,
          ${pick(OFFICE, 'g.c', 14)} as office,
          ${h('g.c', 16)} as withdrawal_roll
        from bench_gen g join bench_obligees o on ${h('g.c', 15)} between o.lo and o.hi
        where g.i between ${lo} and ${hi}`);
      await tx.unsafe(
        `
        insert into received_sets (id, issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at, received_at)
        select ${uuidOf('00000000', 'i')}, $1, 'bench-' || i, $2, $3, $4::jsonb, $5::jsonb, 'urn:shosho:certificate', $6, 'ES256',
               case when i % 4 = 0 then 'poll' else 'push' end, issued_on + time '10:00', issued_on + time '10:00'
        from bench_rev`,
        [v.issuerId, v.jws, v.jwsSha256, JSON.stringify(v.header), JSON.stringify(v.claims), v.kid],
      );
      const ymd = (d: string) => `to_char(${d}, 'YYYY-MM-DD')`;
      await tx.unsafe(
        `
        insert into certificate_revisions (id, issuer_id, number, kind, revision, revision_type, issued_on, payload, auth_key_digest, obligee_code, obligee_name, set_id)
        select ${uuidOf('00000001', 'i')}, $1, number, kind, r, revision_type, issued_on,
          jsonb_strip_nulls(jsonb_build_object(
            'number', number, 'kind', kind, 'revision', r, 'revisionType', revision_type, 'issuedOn', ${ymd('issued_on')},
            'guarantor', jsonb_build_object('name', '西日本建設業保証株式会社', 'office', office),
            'obligee', jsonb_build_object('name', obligee_name, 'code', obligee_code),
            'contractor', jsonb_build_object('name', contractor, 'address', place || (1 + c % 9) || '丁目' || (1 + c % 30) || '-' || (1 + c % 15), 'representative', representative),
            'project', jsonb_build_object('name', project, 'location', place || case when revision_type = 'correction' then 'ほか地内' else '地内' end,
              'contractDate', ${ymd('contract_date')},
              'period', jsonb_build_object('from', ${ymd('contract_date + 1')}, 'to', ${ymd('contract_date + 1 + days')}), 'contractPrice', price),
            'guarantee', jsonb_build_object(
              'amount', round(price * case kind when 'advance_payment' then 0.4 when 'interim_advance_payment' then 0.2 else 0.1 end / 1000) * 1000,
              'period', jsonb_build_object('from', ${ymd('issued_on')}, 'to', ${ymd('contract_date + 31 + days')}),
              'advancePayment', case when kind <> 'contract' then round(price * case kind when 'advance_payment' then 0.4 else 0.2 end / 1000) * 1000 end),
            'changes', case revision_type when 'change' then '["project.period.to","guarantee.period.to"]'::jsonb when 'correction' then '["project.location"]'::jsonb end,
            'notes', case when c % 3 = 0 then '本保証証書は、公共工事の前払金保証事業に関する法律に基づき発行する。' end)),
          $2, obligee_code, obligee_name, ${uuidOf('00000000', 'i')}
        from bench_rev`,
        [v.issuerId, v.digest],
      );
      // 2% of certificates cancelled (解約), 0.5% issued in error (取消), on revision 0
      await tx.unsafe(
        `
        insert into received_sets (id, issuer_id, jti, jws, jws_sha256, header, claims, event_type, kid, alg, via, verified_at, received_at)
        select ${uuidOf('00000002', 'i')}, $1, 'bench-w-' || i, $2, $3, $4::jsonb, $5::jsonb, 'urn:shosho:certificate-withdrawn', $6, 'ES256', 'push',
               least(issued_on + 200, current_date) + time '10:00', least(issued_on + 200, current_date) + time '10:00'
        from bench_rev where r = 0 and withdrawal_roll < 25`,
        [v.issuerId, v.jws, v.jwsSha256, JSON.stringify(v.header), JSON.stringify(v.claims), v.kid],
      );
      await tx.unsafe(
        `
        insert into withdrawals (issuer_id, number, kind, revision, reason, withdrawn_on, set_id)
        select $1, number, kind, 0, case when withdrawal_roll < 20 then 'cancelled' else 'issued_in_error' end, least(issued_on + 200, current_date), ${uuidOf('00000002', 'i')}
        from bench_rev where r = 0 and withdrawal_roll < 25`,
        [v.issuerId],
      );
    });
    progress(hi);
  }
  return need;
}

/**
 * Files revisions addressed to the organisation's obligee code in its archive (with the unlocks
 * filing needs) until it holds `total` records, oldest revisions first. The PDF is one small real
 * PDF for all: search never reads it, and 100,000 copies of a 130 kB certificate PDF would be 13 GB.
 */
export async function growArchive(sql: postgres.Sql, v: RealValues, orgId: string, code: string, total: number): Promise<number> {
  // revision ids encode the generator index in their last 12 hex digits, and sort by it
  const [row] = await sql<{ n: number; last: string | null }[]>`
    select count(*)::int as n, max(revision_id::text) as last from archive_records where org_id = ${orgId}`;
  const { n, last } = row!;
  const lastIndex = last ? parseInt(last.slice(-12), 16) : 0;
  const need = total - n;
  if (need <= 0) return 0;
  await sql.begin(async (tx) => {
    await tx`set local synchronous_commit = off`;
    await tx.unsafe(
      `
      create temp table bench_arch on commit drop as
      select g.i, r.id as revision_id, r.number, r.kind, r.revision, r.revision_type, r.payload,
        least(now() - interval '1 hour', (r.issued_on + (abs(hashint4(g.i * 31 + 20)) % 60) + time '09:00' + make_interval(mins => abs(hashint4(g.i * 31 + 21)) % 480))::timestamp at time zone 'Asia/Tokyo') as archived_at,
        (${lit(['tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe'])})[1 + abs(hashint4(g.i * 31 + 22)) % 6] as archived_by,
        abs(hashint4(g.i * 31 + 23)) % 1000 as roll
      from bench_gen g join certificate_revisions r on r.id = ${uuidOf('00000001', 'g.i')}
      where g.i > ${lastIndex} and r.obligee_code = $1
      order by g.i
      limit ${need}`,
      [code],
    );
    await tx.unsafe(
      `
      insert into unlocks (org_id, revision_id, unlocked_at, unlocked_by)
      select $1, revision_id, archived_at - interval '5 minutes', archived_by from bench_arch on conflict do nothing`,
      [orgId],
    );
    await tx.unsafe(
      `
      insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_at, archived_by, status_when_archived, reference, memo,
        issuer_id, number, kind, revision, revision_type, project_name, contractor, obligee, search_text)
      select $1, revision_id, $2, $3, $4, archived_at, archived_by, 'current',
        '広島県-' || to_char(archived_at, 'YYYY') || '-' || lpad((roll * 7 % 10000)::text, 4, '0'),
        case when roll < 50 then '工期延長に伴う変更契約分。原本は契約課で保管。' end,
        $5, number, kind, revision, revision_type, payload->'project'->>'name', payload->'contractor'->>'name', payload->'obligee'->>'name',
        normalize(number || ' ' || (payload->'project'->>'name') || ' ' || (payload->'contractor'->>'name') || ' ' || (payload->'obligee'->>'name'), NFKC)
      from bench_arch`,
      [orgId, v.pdf, v.pdfSha256, v.jwsSha256, v.issuerId],
    );
  });
  return need;
}
