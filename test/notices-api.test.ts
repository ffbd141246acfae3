import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, NoticePrinter, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { textPdf } from './helpers/notice-pdfs.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebClient } from './helpers/web-client.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };
let noticePdf: Uint8Array;

const KEY = 'QW12-ER34-TY56';
async function issue(number: string, key = KEY, obligee?: { name: string; code: string }) {
  const s = await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key, 'advance_payment', 4, obligee));
  expect((await issuer.push(`${base}/sets`, s.token)).status).toBe(202);
}
const api = (token: string, method: string, path: string, body?: unknown) => apiCall(base, token, method, path, body);

async function upload(token: string, files: Array<[name: string, bytes: Uint8Array | Buffer]>, extra: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, bytes] of files) form.append('file', new Blob([Uint8Array.from(bytes)], { type: 'application/pdf' }), name);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  const res = await fetch(`${base}/api/v1/notices/read`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, json: (await res.json()) as any, headers: res.headers };
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'yamada', role: 'clerk' }]);
  await issue('2080005678', 'QW12-ER34-TY');
  await issue('2070004426');
  await issue('2070005555', 'OK12-AY34', { name: '岡山県知事', code: '330001' });
  const printer = await NoticePrinter.open();
  try {
    noticePdf = await printer.print(
      [
        {
          number: '2070004426',
          authKey: KEY,
          kind: 'advance_payment',
          revisionType: 'new',
          projectName: '一般国道2号道路改良工事',
          contractor: '備後建設株式会社',
          obligee: '広島県知事',
          issuer: { name: '西日本建設業保証株式会社', office: '広島支店' },
          issuedOn: '2024-06-03',
        },
      ],
      { layout: 'table' },
    );
  } finally {
    await printer.close();
  }
});
afterAll(async () => {
  await fx?.close();
});

describe('POST /api/v1/notices/read (SPEC §8)', () => {
  it('pasted text as JSON → the pair in canonical form, nothing looked up', async () => {
    const r = await api(hiroshima.token, 'POST', '/api/v1/notices/read', { text: '保証契約番号：2080005678\n認証キー：QW12-ER34-TY\n区分：新規' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toEqual({
      items: [{ source: 'text', number: '2080005678', authKey: 'QW12ER34TY', kind: null, revisionType: 'new', projectName: null }],
      problems: [],
    });
    const [row] = await db.sql`select count(*)::int as count from attempt_failures`;
    expect(row!.count).toBe(0);
  });

  it('multipart files: items per file and page, problems named with a message', async () => {
    const r = await upload(hiroshima.token, [
      ['お知らせ.pdf', noticePdf],
      ['letter.pdf', textPdf('Dear customer')],
      ['photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
    ]);
    expect(r.status).toBe(200);
    expect(r.json.items).toEqual([
      {
        source: 'お知らせ.pdf p.1',
        number: '2070004426',
        authKey: 'QW12ER34TY56',
        kind: 'advance_payment',
        revisionType: 'new',
        projectName: '一般国道2号道路改良工事',
      },
    ]);
    expect(r.json.problems).toEqual([
      { source: 'letter.pdf', code: 'no_pair', message: expect.stringContaining('見つかりませんでした') },
      { source: 'photo.jpg', code: 'not_pdf', message: 'PDFファイルではありません。' },
    ]);
  });

  it('a body larger than the general 256 KiB limit is accepted here; a file over 5 MiB is a too_large problem, the others read', async () => {
    const padded = Buffer.concat([Buffer.from(noticePdf), Buffer.alloc(1024 * 1024, 0x0a)]);
    const r = await upload(hiroshima.token, [['padded.pdf', padded]]);
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: any) => i.number)).toEqual(['2070004426']);
    const big = await upload(hiroshima.token, [
      ['big.pdf', Buffer.concat([Buffer.from(noticePdf), Buffer.alloc(6 * 1024 * 1024, 0x0a)])],
      ['ok.pdf', noticePdf],
    ]);
    expect(big.status).toBe(200);
    expect(big.json.problems).toEqual([{ source: 'big.pdf', code: 'too_large', message: expect.any(String) }]);
    expect(big.json.items).toHaveLength(1);
  });

  it('bad input is a clear error that names it: no input, 21 files, long text, bad JSON, other body type, no token', async () => {
    expect((await api(hiroshima.token, 'POST', '/api/v1/notices/read', { text: '  ' })).json.error.code).toBe('notices_no_input');
    const many = await upload(
      hiroshima.token,
      Array.from({ length: 21 }, (_, i) => [`n${i}.pdf`, textPdf('x')] as [string, Buffer]),
    );
    expect([many.status, many.json.error.code]).toEqual([422, 'notices_too_many_files']);
    const long = await api(hiroshima.token, 'POST', '/api/v1/notices/read', { text: 'あ'.repeat(30_000) });
    expect([long.status, long.json.error.code]).toEqual([413, 'notices_text_too_long']);
    const bad = await fetch(`${base}/api/v1/notices/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hiroshima.token}`, 'content-type': 'application/json' },
      body: '{"text": ',
    });
    expect([bad.status, ((await bad.json()) as any).error.code]).toEqual([400, 'invalid_json']);
    const plain = await fetch(`${base}/api/v1/notices/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hiroshima.token}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect([plain.status, ((await plain.json()) as any).error.code]).toEqual([400, 'unsupported_content_type']);
    expect((await api('not-a-token', 'POST', '/api/v1/notices/read', { text: 'x' })).status).toBe(401);
  });
});

describe('POST /api/v1/lookup/batch (SPEC §8)', () => {
  it('one result per item in order: found, wrong key, malformed, another obligee', async () => {
    const r = await api(hiroshima.token, 'POST', '/api/v1/lookup/batch', {
      items: [
        { number: '2080005678', authKey: 'qw12-er34-ty' },
        { number: '2080005678', authKey: 'ZZZZZZZZZZ' },
        { number: '12', authKey: 'QW12ER34TY' },
        { number: '2070005555', authKey: 'OK12-AY34' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const [found, wrong, malformed, other] = r.json.results;
    expect(found).toEqual({ number: '2080005678', status: 200, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(wrong).toEqual({ number: '2080005678', status: 404, error: { code: 'not_found', message: expect.any(String) } });
    expect(malformed).toMatchObject({ number: '12', status: 422, error: { code: 'malformed_number' } });
    expect(other).toMatchObject({ number: '2070005555', status: 403, error: { code: 'other_obligee' } });
    expect((await api(hiroshima.token, 'GET', `/api/v1/certificates/${found.id}`)).status).toBe(200);
  });

  it('0 or 51 items, or no items at all, is refused and looks nothing up', async () => {
    const before = await db.sql`select count(*)::int as n from audit_log where action = 'lookup'`;
    for (const body of [{ items: [] }, { items: Array.from({ length: 51 }, () => ({ number: '2070004426', authKey: KEY })) }]) {
      const r = await api(hiroshima.token, 'POST', '/api/v1/lookup/batch', body);
      expect([r.status, r.json.error.code]).toEqual([422, 'batch_size']);
    }
    expect((await api(hiroshima.token, 'POST', '/api/v1/lookup/batch', { pairs: [] })).status).toBe(422);
    const after = await db.sql`select count(*)::int as n from audit_log where action = 'lookup'`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('wrong keys in a batch count towards the lockout exactly like single lookups (5 → locked, even the right key)', async () => {
    const wrong = { number: '2070004426', authKey: 'WRONG-KEY-01' };
    const r = await api(okayama.token, 'POST', '/api/v1/lookup/batch', { items: [wrong, wrong, wrong, wrong, wrong, { number: '2070004426', authKey: KEY }] });
    expect(r.json.results.map((x: any) => x.status)).toEqual([404, 404, 404, 404, 404, 429]);
    expect(r.json.results[5].error.code).toBe('locked_out');
    // and a single lookup afterwards sees the same lock
    expect((await api(okayama.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY })).status).toBe(429);
    // another organisation is not locked out by okayama's failures
    expect((await api(hiroshima.token, 'POST', '/api/v1/lookup', { number: '2070004426', authKey: KEY })).status).toBe(200);
  });

  it('four single failures and one in a batch lock the number together', async () => {
    const wrong = { number: '2080005678', authKey: 'WRONG-KEY-02' };
    for (let i = 0; i < 4; i++) expect((await api(okayama.token, 'POST', '/api/v1/lookup', wrong)).status).toBe(404);
    const r = await api(okayama.token, 'POST', '/api/v1/lookup/batch', { items: [wrong, { number: '2080005678', authKey: 'QW12ER34TY' }] });
    expect(r.json.results.map((x: any) => x.status)).toEqual([404, 429]);
  });
});

describe('browser: GET /?number= and the notice forms need a session and CSRF', () => {
  it('fills in the number, never a key', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const page = await web.get('/?number=2070004426&authKey=SECRET-KEY');
    expect(page.text).toContain('value="2070004426"');
    expect(page.text).not.toContain('SECRET-KEY');
    expect(page.text).toContain('action="/notices"');
    expect(page.text).toContain('enctype="multipart/form-data"');
  });

  it("filing a batch: another organisation's certificate id answers 404 and nothing is filed", async () => {
    const found = await api(hiroshima.token, 'POST', '/api/v1/lookup/batch', { items: [{ number: '2080005678', authKey: 'QW12ER34TY' }] });
    const id = found.json.results[0].id as string;
    const web = new WebClient(base);
    await web.login('yamada', okayama.password);
    expect((await web.post('/lookup/batch/archive', { id })).status).toBe(404);
    const [row] = await db.sql`select count(*)::int as n from archive_records where org_id = 'okayama'`;
    expect(row!.n).toBe(0);
    // the organisation that unlocked it files it
    const clerk = new WebClient(base);
    await clerk.login('tanaka', hiroshima.password);
    expect((await clerk.request('POST', '/lookup/batch/archive', { form: { id, _csrf: clerk.csrf() } })).status).toBe(303);
    const [filed] = await db.sql`select count(*)::int as n from archive_records where org_id = 'hiroshima'`;
    expect(filed!.n).toBe(1);
  });

  it('POST /notices with pasted text shows the table; POST /lookup/batch lists every result', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const table = await web.post('/notices', { text: '保証契約番号：2080005678\n認証キー：QW12-ER34-TY\n区分：新規' });
    expect(table.status).toBe(200);
    expect(table.text).toContain('value="2080005678"');
    expect(table.text).toContain('value="QW12ER34TY"');
    const empty = await web.post('/notices', { text: ' ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('メールの文章を貼り付けてください');
    const results = await web.post('/lookup/batch', { number: '2080005678', authKey: 'QW12ER34TY' });
    expect(results.status).toBe(200);
    expect(results.text).toMatch(/href="\/certificates\/[0-9a-f-]{36}"/);
    expect(results.text).toContain('action="/lookup/batch/archive"');
    // the language switch (`?lang=en`) on these pages leads back to the lookup page
    for (const path of ['/notices?lang=en', '/lookup/batch?lang=en']) {
      const back = await web.get(path);
      expect([back.status, back.headers.get('location')]).toEqual([303, '/']);
    }
  });

  it('POST /notices and /lookup/batch without a CSRF token are refused', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    expect((await web.post('/notices', { text: '保証契約番号：2080005678\n認証キー：QW12ER34TY' }, { csrf: null })).status).toBe(403);
    expect((await web.post('/lookup/batch', { number: '2080005678', authKey: 'QW12ER34TY' }, { csrf: null })).status).toBe(403);
    const anonymous = new WebClient(base);
    expect((await anonymous.request('POST', '/lookup/batch', { form: { number: '1', authKey: '2' } })).status).toBe(401);
  });
});
