import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  archiveRevision,
  archiveSearchSchema,
  ARCHIVE_SORT_KEYS,
  searchArchive,
  searchArchivePage,
  type ArchiveRecord,
  type ArchiveSearchOptions,
} from '../src/archive/index.js';
import { createReceiver, KeyStore, type Receiver } from '../src/feed/index.js';
import { silentLogger } from '../src/log/index.js';
import { loadCertificate } from '../src/lookup/index.js';
import {
  CERTIFICATE_EVENT,
  changeRevision,
  WITHDRAWN_EVENT,
  type CertificatePayloadInput,
  type Kind,
  type ReferenceIssuer,
} from '../reference-issuer/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { certificate, digestFor, registeredIssuer } from './helpers/issuer.js';
import { AUDIENCE } from './helpers/service.js';

let db: TestDatabase;
let issuer: ReferenceIssuer;
let receiver: Receiver;
const ids: Record<string, string> = {}; // archive id by certificate number

async function ingest(events: Array<{ event: string; payload: unknown }>): Promise<void> {
  const sets = await Promise.all(events.map((e) => issuer.sign(e.event, e.payload)));
  const outcomes = await receiver.receive(
    sets.map((s) => s.token),
    'push',
  );
  expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
}

async function fileInArchive(orgId: string, payload: CertificatePayloadInput): Promise<void> {
  await ingest([{ event: CERTIFICATE_EVENT, payload }]);
  await fileIngested(orgId, payload.number);
}

/** Files revision 0 of a certificate already ingested, as a clerk does: unlocked, then archived. */
async function fileIngested(orgId: string, number: string): Promise<void> {
  const [{ id }] = await db.sql<[{ id: string }]>`select id from certificate_revisions where number = ${number} and revision = 0`;
  await db.sql`insert into unlocks (org_id, revision_id, unlocked_by) values (${orgId}, ${id}, 'clerk')`;
  const { record } = await archiveRevision(db.sql, {
    orgId,
    certificate: (await loadCertificate(db.sql, orgId, id))!,
    pdf: new Uint8Array([37, 80, 68, 70]),
    actor: 'clerk',
  });
  ids[number] = record.id;
}

/** Revision 0 with the searched fields spelled out, whatever the sample defaults are. */
async function sample(number: string, kind: Kind, project: string, contractor: string, obligee: string): Promise<CertificatePayloadInput> {
  const base = await certificate(number, 'AB12CD34', kind);
  return { ...base, project: { ...base.project, name: project }, contractor: { ...base.contractor, name: contractor }, obligee: { name: obligee } };
}

/** Archive rows filed straight in SQL from the first `count` bulk revisions (40000…), at times `at` of n (0, 1, … by number). */
async function fileWithSql(orgId: string, count: number, at: string) {
  await db.sql.unsafe(
    `
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_at, archived_by, status_when_archived, issuer_id, number, kind,
                                 revision, revision_type, project_name, contractor, obligee, search_text)
    select $1, r.id, '\\x25504446', repeat('0', 64), s.jws_sha256, ${at}, 'bulk', 'current', r.issuer_id, r.number, r.kind, r.revision,
           r.revision_type, r.payload->'project'->>'name', r.payload->'contractor'->>'name', r.obligee_name, r.number
    from (select *, row_number() over (order by number) - 1 as n from certificate_revisions where number like '40000%') r
    join received_sets s on s.id = r.set_id
    where r.n < $2`,
    [orgId, count],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql, 'wjcs');
  receiver = createReceiver({ sql: db.sql, keys: new KeyStore(db.sql, { log: silentLogger }), audience: AUDIENCE, log: silentLogger });
  await db.sql`insert into organisations (id, name) values ('hiroshima', '広島県'), ('okayama', '岡山県'), ('paging', '頁送り'), ('dates', '日付')`;
  await db.sql`insert into organisation_obligees (org_id, code, name) values ('hiroshima', '340006', '広島県知事'), ('okayama', '330001', '岡山県知事')`;
  const roadWorks = await sample('2070004426', 'advance_payment', '一般国道2号道路改良工事', '備後建設株式会社', '広島県知事');
  await fileInArchive('hiroshima', roadWorks);
  await fileInArchive('hiroshima', await sample('3150001111', 'contract', '二級河川芦田川護岸改修工事', '瀬戸内土木工業株式会社', '岡山県知事'));
  await fileInArchive(
    'hiroshima',
    await sample('2070007777', 'interim_advance_payment', '県道福山鞆線舗装補修工事（第２工区）', '株式会社中国舗装', '福山市長'),
  );
  await fileInArchive('okayama', await sample('5550001234', 'advance_payment', '旭川水系砂防堰堤工事', '吉備橋梁株式会社', '岡山県知事'));
  await ingest([
    { event: CERTIFICATE_EVENT, payload: changeRevision(roadWorks, 1, await digestFor('AB12CD34'), '2024-07-01') },
    { event: WITHDRAWN_EVENT, payload: { number: '3150001111', kind: 'contract', revision: 0, reason: 'cancelled', withdrawnOn: '2024-07-01' } },
  ]);
  await ingest(
    await Promise.all(
      Array.from({ length: 120 }, async (_, i) => ({
        event: CERTIFICATE_EVENT,
        payload: await certificate(`40000${String(i).padStart(5, '0')}`, 'AB12CD34', 'contract', i),
      })),
    ),
  );
  // groups of four share a second; within one, pairs differ by a microsecond only
  await fileWithSql('paging', 120, `timestamptz '2024-06-03 00:00:00Z' + (n / 4) * interval '1 second' + (n % 2) * interval '1 microsecond'`);
  await fileWithSql(
    'dates',
    4,
    `(array[timestamptz '2024-06-02 14:59:59.999999Z', '2024-06-02 15:00:00Z', '2024-06-03 14:59:59.999999Z', '2024-06-03 15:00:00Z'])[n + 1]`,
  );
});
afterAll(async () => {
  await issuer?.close();
  await db?.drop();
});

const numbers = async (orgId: string, search: ArchiveSearchOptions) => (await searchArchive(db.sql, orgId, search)).items.map((r) => r.number);

describe('searchArchive filters', () => {
  it('q finds part of the number, project, contractor or obligee, full-width or half-width', async () => {
    expect(await numbers('hiroshima', { q: '0044' })).toEqual(['2070004426']);
    expect((await numbers('hiroshima', { q: '２０７０' })).sort()).toEqual(['2070004426', '2070007777']);
    expect(await numbers('hiroshima', { q: '道路改良' })).toEqual(['2070004426']);
    expect(await numbers('hiroshima', { q: '瀬戸内土木' })).toEqual(['3150001111']);
    expect(await numbers('hiroshima', { q: '福山市長' })).toEqual(['2070007777']);
    expect(await numbers('hiroshima', { q: '第2工区' })).toEqual(['2070007777']);
    expect(await numbers('hiroshima', { q: '（第２工区）' })).toEqual(['2070007777']);
    expect(await numbers('hiroshima', { q: '  ' })).toHaveLength(3);
  });

  it('q takes %, _ and \\ literally', async () => {
    for (const q of ['%', '_', '\\', '2070%26', '207_']) expect(await numbers('hiroshima', { q })).toEqual([]);
  });

  it('kind and status (today: superseded by a later revision, withdrawn by a cancellation)', async () => {
    expect(await numbers('hiroshima', { kind: 'contract' })).toEqual(['3150001111']);
    expect(await numbers('hiroshima', { kind: 'interim_advance_payment' })).toEqual(['2070007777']);
    expect(await numbers('hiroshima', { status: 'superseded' })).toEqual(['2070004426']);
    expect(await numbers('hiroshima', { status: 'withdrawn' })).toEqual(['3150001111']);
    expect(await numbers('hiroshima', { status: 'current' })).toEqual(['2070007777']);
    expect(await numbers('hiroshima', { q: '2070', status: 'current', kind: '' })).toEqual(['2070007777']);
    const statuses = (await searchArchive(db.sql, 'hiroshima', { sort: 'number', order: 'asc' })).items.map((r) => r.status);
    expect(statuses).toEqual(['superseded', 'current', 'withdrawn']);
  });

  it('status=withdrawn finds a record filed after its withdrawal came in through the feed, in both kinds of list', async () => {
    await db.sql`insert into organisations (id, name) values ('late', '後から')`;
    const payload = await sample('6660000001', 'contract', '市道中央線舗装補修工事', '呉組株式会社', '呉市長');
    await ingest([
      { event: CERTIFICATE_EVENT, payload },
      { event: WITHDRAWN_EVENT, payload: { number: '6660000001', kind: 'contract', revision: 0, reason: 'issued_in_error', withdrawnOn: '2024-07-01' } },
    ]);
    await fileIngested('late', '6660000001');
    expect(await numbers('late', { status: 'withdrawn' })).toEqual(['6660000001']);
    expect(await numbers('late', { status: 'current' })).toEqual([]);
    const list = await searchArchivePage(db.sql, 'late', { status: 'withdrawn' }, 1);
    expect({ total: list.total, numbers: list.items.map((r) => r.number) }).toEqual({ total: 1, numbers: ['6660000001'] });
    expect(await numbers('hiroshima', { status: 'withdrawn' })).toEqual(['3150001111']);
  });

  it('from and to are JST days, inclusive: a day starts at 15:00 UTC the day before', async () => {
    const at = async (search: ArchiveSearchOptions) => (await searchArchive(db.sql, 'dates', search)).items.map((r) => r.archivedAt.toISOString()).reverse();
    expect(await at({ from: '2024-06-03', to: '2024-06-03' })).toEqual(['2024-06-02T15:00:00.000Z', '2024-06-03T14:59:59.999Z']);
    expect(await at({ to: '2024-06-02' })).toEqual(['2024-06-02T14:59:59.999Z']);
    expect(await at({ from: '2024-06-04' })).toEqual(['2024-06-03T15:00:00.000Z']);
    expect(await at({ from: '2024-06-02', to: '2024-06-04' })).toHaveLength(4);
  });

  it('an organisation sees only its own records', async () => {
    expect(await numbers('okayama', {})).toEqual(['5550001234']);
    expect(await numbers('okayama', { q: '2070' })).toEqual([]);
    expect(await numbers('hiroshima', { q: '5550' })).toEqual([]);
    expect(await numbers('nobody', {})).toEqual([]);
  });
});

describe('sorting and keyset paging', () => {
  it('pages through 120 records with tied times in every order, with no duplicate and no gap', async () => {
    for (const sort of ARCHIVE_SORT_KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        const whole = (await searchArchive(db.sql, 'paging', { sort, order, limit: 200 })).items.map((r) => r.id);
        expect(new Set(whole).size).toBe(120);
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await searchArchive(db.sql, 'paging', { sort, order, limit: 7, cursor });
          paged.push(...page.items.map((r) => r.id));
          cursor = page.next ?? undefined;
        } while (cursor);
        expect({ sort, order, paged }).toEqual({ sort, order, paged: whole }); // sort and order name a failure
      }
    }
  });

  it('a selective q is searched trigram-first and pages exactly as the archive walked in page order', async () => {
    await db.sql`analyze archive_records`; // the plan is chosen from the planner's estimates
    const statements: string[] = [];
    const watched = postgres(db.url, { max: 1, onnotice: () => {}, debug: (_c, query) => statements.push(query) });
    const trigramFirst = () => statements.filter((s) => /offset 0\) a/.test(s) && s.includes('from (select * from archive_records')).length;
    try {
      for (const sort of ARCHIVE_SORT_KEYS) {
        for (const order of ['asc', 'desc'] as const) {
          const walked: ArchiveRecord[] = [];
          const searched: ArchiveRecord[] = [];
          for (const [q, records] of [
            [undefined, walked],
            ['400000001', searched], // 4000000010 to 4000000019: ten of 120 records, a page and one more
          ] as const) {
            let cursor: string | undefined;
            do {
              const page = await searchArchive(watched, 'paging', { q, sort, order, limit: 9, cursor });
              records.push(...page.items);
              cursor = page.next ?? undefined;
            } while (cursor);
          }
          expect(walked).toHaveLength(120); // every paging record's search text is its number, 40000…
          const expected = walked.filter((r) => r.number.startsWith('400000001')).map((r) => r.id);
          expect(expected).toHaveLength(10);
          expect({ sort, order, searched: searched.map((r) => r.id) }).toEqual({ sort, order, searched: expected });
        }
      }
      expect(trigramFirst()).toBeGreaterThan(0);
      statements.length = 0;
      await searchArchive(watched, 'paging', { q: '4000000007' }); // one of 120 records: fewer than a page
      expect(trigramFirst()).toBe(1);
      statements.length = 0;
      // every one of 120 records: walking fills a page at once, while the index would hand back all of them
      await searchArchive(watched, 'paging', { q: '40000' });
      expect(trigramFirst()).toBe(0);
      statements.length = 0;
      await searchArchive(watched, 'hiroshima', { q: '護岸' }); // two characters: no trigram to look up
      expect(trigramFirst()).toBe(0);
    } finally {
      await watched.end();
    }
  });

  it('is newest first by default, 50 a page, and the last page has no next', async () => {
    const first = await searchArchive(db.sql, 'paging', {});
    expect(first.items).toHaveLength(50);
    const times = first.items.map((r) => r.archivedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const byNumber = await searchArchive(db.sql, 'paging', { sort: 'number', order: 'asc', limit: 40 });
    expect(byNumber.items.map((r) => r.number)).toEqual(Array.from({ length: 40 }, (_, i) => `40000${String(i).padStart(5, '0')}`));
    const second = await searchArchive(db.sql, 'paging', { sort: 'number', order: 'asc', limit: 40, cursor: byNumber.next! });
    const third = await searchArchive(db.sql, 'paging', { sort: 'number', order: 'asc', limit: 40, cursor: second.next! });
    expect(third.items.at(-1)?.number).toBe('4000000119');
    expect(third.next).toBeNull();
  });
});

describe('validation', () => {
  const failingFields = async (search: Record<string, unknown>) => {
    const error = await searchArchive(db.sql, 'paging', search as ArchiveSearchOptions).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ZodError);
    return (error as ZodError).issues.map((i) => i.path.join('.'));
  };

  it('names the field of a bad cursor or filter', async () => {
    const numberCursor = (await searchArchive(db.sql, 'paging', { sort: 'number', limit: 1 })).next!;
    const forged = Buffer.from(JSON.stringify({ s: 'archivedAt', o: 'desc', v: "2024-06-03'; drop table x", id: ids['2070004426'] })).toString('base64url');
    for (const cursor of ['not a cursor', 'bm9wZQ', forged, numberCursor]) expect(await failingFields({ cursor })).toEqual(['cursor']);
    expect(await failingFields({ kind: 'bond' })).toEqual(['kind']);
    expect(await failingFields({ status: 'valid' })).toEqual(['status']);
    expect(await failingFields({ from: '2024-02-30' })).toEqual(['from']);
    expect(await failingFields({ from: '2024-06-04', to: '2024-06-03' })).toEqual(['to']);
    expect(await failingFields({ sort: 'id' })).toEqual(['sort']);
    expect(await failingFields({ limit: 201 })).toEqual(['limit']);
    expect(await failingFields({ limit: 'ten' })).toEqual(['limit']);
  });

  it('archiveSearchSchema reads a query string: blanks are absent, numbers are parsed, q is NFKC-folded', () => {
    expect(archiveSearchSchema.parse({ q: ' ２０７０ ', kind: '', status: '', from: '', to: '', cursor: '', limit: '20' })).toEqual({
      q: '2070',
      sort: 'archivedAt',
      order: 'desc',
      limit: 20,
    });
  });
});
