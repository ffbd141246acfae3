import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { archiveCsv, ARCHIVE_CSV_HEADER, archiveRevision, type ArchiveRecord } from '../src/archive/index.js';
import { csvLine } from '../src/domain/index.js';
import { formatJst as formatJstIn, jstDayBounds } from '../src/domain/index.js';
const formatJst = (d: Date) => formatJstIn(d, 'en');
import { createReceiver, KeyStore, type Receiver } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { loadCertificate } from '../src/lookup/index.js';
import { CERTIFICATE_EVENT, type CertificatePayloadInput, type ReferenceIssuer } from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

/** RFC 4180, strictly as the archive writes it: every field quoted, CRLF after every record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let at = 0;
  while (at < text.length) {
    if (text[at] !== '"') throw new Error(`field at ${at} is not quoted`);
    let field = '';
    for (at++; ; ) {
      const quote = text.indexOf('"', at);
      if (quote < 0) throw new Error('a quoted field does not end');
      field += text.slice(at, quote);
      at = quote + 1;
      if (text[at] !== '"') break;
      field += '"';
      at++;
    }
    fields.push(field);
    if (text[at] === ',') at++;
    else if (text.startsWith('\r\n', at)) {
      records.push(fields);
      fields = [];
      at += 2;
    } else throw new Error(`${JSON.stringify(text[at])} after a field at ${at}`);
  }
  if (fields.length) throw new Error('the last record has no CRLF');
  return records;
}

const inert = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

describe('CSV fields', () => {
  it('round-trip through an RFC 4180 parser, with formula starts made inert', () => {
    const unit = fc.oneof(
      fc.constantFrom('"', ',', '\r', '\n', '\r\n', '\t', '=', '+', '-', '@', "'", ' ', '工事', '株式会社', '２', 'ｶﾅ', '𠮷'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const records = fc.array(fc.array(fc.string({ unit, maxLength: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(records, (rows) => {
        expect(parseCsv(rows.map(csvLine).join(''))).toEqual(rows.map((row) => row.map(inert)));
      }),
      { numRuns: 500 },
    );
  });

  it('JST: times say their zone, and a JST day starts at 15:00 UTC', () => {
    expect(formatJst(new Date('2024-06-03T00:00:05Z'))).toBe('2024-06-03 09:00:05 JST');
    expect(formatJst(new Date('2024-06-02T15:00:00Z'))).toBe('2024-06-03 00:00:00 JST');
    expect(formatJst(new Date('2024-12-31T14:59:59.999Z'))).toBe('2024-12-31 23:59:59 JST');
    const { start, end } = jstDayBounds('2024-06-03');
    expect([start.toISOString(), end.toISOString()]).toEqual(['2024-06-02T15:00:00.000Z', '2024-06-03T15:00:00.000Z']);
  });
});

describe('archiveCsv', () => {
  let db: TestDatabase;
  let issuer: ReferenceIssuer;
  let receiver: Receiver;
  let tricky: CertificatePayloadInput;
  const filed: ArchiveRecord[] = [];

  async function file(orgId: string, payload: CertificatePayloadInput, notes: { reference?: string; memo?: string }) {
    const set = await issuer.sign(CERTIFICATE_EVENT, payload);
    const [stored] = await receiver.receive([set.token], 'push');
    expect(stored!.status).toBe('stored');
    const [{ id }] = await db.sql<[{ id: string }]>`select id from certificate_revisions where number = ${payload.number}`;
    await db.sql`insert into unlocks (org_id, revision_id, unlocked_by) values (${orgId}, ${id}, 'clerk')`;
    const certificate = (await loadCertificate(db.sql, orgId, id))!;
    return (await archiveRevision(db.sql, { orgId, certificate, pdf: new Uint8Array([37, 80, 68, 70]), actor: 'yamada@pref.hiroshima', ...notes })).record;
  }
  const csvOf = async (orgId: string, search = {}) => {
    const chunks: string[] = [];
    for await (const chunk of archiveCsv(db.sql, orgId, search)) chunks.push(chunk);
    return { text: chunks.join(''), chunks: chunks.length };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    issuer = await registeredIssuer(db.sql, 'wjcs');
    receiver = createReceiver({ sql: db.sql, keys: new KeyStore(db.sql, { log: silentLogger }), audience: AUDIENCE, log: silentLogger });
    await db.sql`insert into organisations (id, name) values ('hiroshima', '広島県'), ('bulk', '一括')`;
    const a = await certificate('2070004426', 'AB12CD34', 'advance_payment', 0);
    tricky = {
      // a line break in a signed name is refused at the feed (SPEC §2); the memo carries one below
      ...a,
      project: { ...a.project, name: '護岸工事, "第1工区" (夜間)' },
      contractor: { ...a.contractor, name: '備後建設株式会社' },
      obligee: { name: '広島県知事' },
    };
    filed.push(await file('hiroshima', tricky, { reference: '@SUM(A1)', memo: '=HYPERLINK("http://evil.example","押して")' }));
    const b = await certificate('3150001111', 'AB12CD34', 'contract', 1);
    filed.push(await file('hiroshima', { ...b, contractor: { ...b.contractor, name: '-1+1 建設' } }, { reference: '広島-2024-001', memo: '一行目\r\n二行目' }));
    filed.push(await file('hiroshima', await certificate('2070007777', 'AB12CD34', 'interim_advance_payment', 2), {}));
    const sets = await Promise.all(
      Array.from(
        { length: 230 },
        async (_, i) => (await issuer.sign(CERTIFICATE_EVENT, await certificate(`60000${String(i).padStart(5, '0')}`, 'AB12CD34', 'contract', i))).token,
      ),
    );
    await receiver.receive(sets, 'push');
    await db.sql`
      insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind, revision,
                                   revision_type, project_name, contractor, obligee, search_text)
      select 'bulk', r.id, '\\x00', repeat('0', 64), repeat('1', 64), 'bulk', 'current', r.issuer_id, r.number, r.kind, r.revision, r.revision_type,
             r.payload->'project'->>'name', r.payload->'contractor'->>'name', r.obligee_name, r.number
      from certificate_revisions r where r.number like '60000%'`;
  });
  afterAll(async () => {
    await issuer?.close();
    await db?.drop();
  });

  it('is UTF-8 CSV for Excel: BOM, Japanese header, one quoted CRLF row per record, Japanese intact', async () => {
    const { text } = await csvOf('hiroshima', { sort: 'number', order: 'asc' });
    expect(text.startsWith('\uFEFF"ID","保証契約番号・証券番号"')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual([...ARCHIVE_CSV_HEADER]);
    const [roadWorks, paving, contract] = rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]])));
    expect(rows).toHaveLength(3);
    expect(roadWorks).toMatchObject({
      ID: filed[0]!.id,
      '保証契約番号・証券番号': '2070004426',
      種別: '前払金保証',
      変更回: '0',
      区分: '新規',
      工事名: '護岸工事, "第1工区" (夜間)',
      保証契約者: '備後建設株式会社',
      保証債権者: '広島県知事',
      発行者: 'wjcs 建設業保証',
      保証金額: String(tricky.guarantee.amount),
      '保証期間（自）': tricky.guarantee.period.from,
      '保証期間（至）': tricky.guarantee.period.to,
      現在の状態: '有効',
      保管時の状態: '有効',
      保管後の状態変化: '変化なし',
      '保管日時（JST）': formatJst(filed[0]!.archivedAt),
      保管者: 'yamada@pref.hiroshima',
      案件番号: "'@SUM(A1)",
      メモ: `'=HYPERLINK("http://evil.example","押して")`,
      '保管したPDFのSHA-256': filed[0]!.pdfSha256,
      '署名データのSHA-256': filed[0]!.jwsSha256,
    });
    // the screens' words: no 受注者/発注者 in the header
    expect(header!.join()).not.toMatch(/受注者|発注者/);
    expect(roadWorks!['保管日時（JST）']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} JST$/);
    expect(paving).toMatchObject({ 種別: '中間前払金保証', 案件番号: '', メモ: '' });
    expect(contract).toMatchObject({ 種別: '契約保証', 保証契約者: "'-1+1 建設", 案件番号: '広島-2024-001', メモ: '一行目\r\n二行目' });
  });

  it('follows the search filters and order', async () => {
    const rows = parseCsv((await csvOf('hiroshima', { q: '２０７０' })).text.slice(1)).slice(1);
    expect(rows.map((row) => row[1])).toEqual(['2070007777', '2070004426']); // newest first
    expect(parseCsv((await csvOf('bulk', { q: '2070' })).text.slice(1))).toEqual([[...ARCHIVE_CSV_HEADER]]);
  });

  it('streams every matching record a page at a time, whatever cursor and limit the search carried', async () => {
    const { text, chunks } = await csvOf('bulk', { limit: 5, cursor: 'from another page', sort: 'number', order: 'asc' });
    const numbers = parseCsv(text.slice(1))
      .slice(1)
      .map((row) => row[1]);
    expect(numbers).toEqual(Array.from({ length: 230 }, (_, i) => `60000${String(i).padStart(5, '0')}`));
    expect(chunks).toBe(3); // the header, then pages of 200 and 30
  });

  it('refuses a bad filter before it yields anything', () => {
    expect(() => archiveCsv(db.sql, 'hiroshima', { from: '2024-13-01' })).toThrow(ZodError);
  });
});
