import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIssuer } from '../reference-issuer/index.js';
import { MAX_CSV_BYTES } from '../src/ledger/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { ASHIDA, issueAndUnlock, ledgerCertificate } from './helpers/ledger.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebClient } from './helpers/web-client.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };
let web: WebClient;

const FORM = {
  reference: '福土第12号',
  projectName: '県道 改良工事',
  contractorName: '瀬戸内建設㈱',
  contractorEmail: '',
  contractPrice: '８８，０００，０００円',
  contractDate: '2024/6/10',
  periodFrom: '2024-06-11',
  periodTo: '2025-02-28',
  section: '',
};

/** A form body with `required` repeated, as checkboxes send it. */
function formWith(values: Record<string, string>, kinds: string[], csrf: string): URLSearchParams {
  const body = new URLSearchParams({ ...values, _csrf: csrf });
  for (const k of kinds) body.append('required', k);
  return body;
}

async function fetchForm(path: string, body: URLSearchParams) {
  const res = await fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'yamada', role: 'clerk' }]);
  web = new WebClient(base, { 'accept-language': 'ja' });
  await web.login('tanaka', hiroshima.password);
});
afterAll(async () => {
  await fx?.close();
});

describe('creating and editing a contract in the browser', () => {
  it('shows every error at its field and keeps what was typed; saves nothing', async () => {
    await web.get('/contracts/-/new');
    const res = await fetchForm(
      '/contracts',
      formWith({ ...FORM, projectName: '', contractPrice: '八千万', periodTo: '2024-01-01', contractorEmail: 'not-mail' }, ['bogus'], web.csrf()),
    );
    expect(res.status).toBe(422);
    for (const field of ['projectName', 'contractPrice', 'periodTo', 'contractorEmail', 'required']) expect(res.text).toContain(`href="#${field}"`);
    expect(res.text).toContain('金額は円単位の数字で入力してください');
    expect(res.text).toContain('value="八千万"');
    expect((await db.sql`select count(*)::int as n from contracts`)[0]!.n).toBe(0);
  });

  it('refuses a form without its CSRF token', async () => {
    const res = await fetchForm('/contracts', formWith(FORM, ['contract'], 'wrong-token'));
    expect(res.status).toBe(403);
  });

  it('creates it (full-width amount, 2024/6/10 date), shows it, then a change contract is recorded on edit', async () => {
    await web.get('/contracts/-/new');
    let res = await fetchForm('/contracts', formWith(FORM, ['advance_payment', 'contract'], web.csrf()));
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/contracts/${encodeURIComponent('福土第12号')}`);
    const page = await web.get(res.location!);
    expect(page.text).toContain('金88,000,000円');
    expect(page.text).toContain('令和6年6月10日');
    expect(page.text).toContain('未提出');
    await web.get('/contracts/-/new');
    res = await fetchForm('/contracts', formWith(FORM, ['contract'], web.csrf()));
    expect(res.status).toBe(422);
    expect(res.text).toContain('すでに登録されています');

    const edit = await web.get(`/contracts/${encodeURIComponent('福土第12号')}/edit`);
    expect(edit.text).toContain('value="88000000"');
    res = await fetchForm(
      `/contracts/${encodeURIComponent('福土第12号')}/edit`,
      formWith({ ...FORM, periodTo: '2025-05-30' }, ['advance_payment', 'contract'], web.csrf()),
    );
    expect(res.status).toBe(303);
    const [row] = await db.sql`select to_char(period_to, 'YYYY-MM-DD') as to, changed_at from contracts where reference = '福土第12号'`;
    expect(row!.to).toBe('2025-05-30');
    expect(row!.changed_at).not.toBeNull();
    const entries = await db.sql`select action, outcome, actor from audit_log where subject = '福土第12号' order by seq`;
    expect(entries.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ['contract.create', 'success', 'tanaka'],
      ['contract.replace', 'change_contract', 'tanaka'],
    ]);
  });
});

describe('every reference is reachable, and so are the forms', () => {
  // what a clerk may type as a contract number, including the words of the ledger's own pages
  const REFERENCES = ['new', 'import', 'edit', '-', '令和6年度/第12号', '50%', 'A?B#C', 'A\\B', '契約 第1号'];

  it("each contract's page and edit form answer at /contracts/<reference>, the forms under /contracts/-/", async () => {
    for (const reference of REFERENCES) {
      expect(
        (await apiCall(base, hiroshima.token, 'PUT', `/api/v1/contracts/${encodeURIComponent(reference)}`, { ...ASHIDA, projectName: `参照${reference}` }))
          .status,
        reference,
      ).toBe(201);
    }
    for (const reference of REFERENCES) {
      const page = await web.get(`/contracts/${encodeURIComponent(reference)}`);
      expect(page.status, reference).toBe(200);
      expect(page.text, reference).toContain(`参照${reference}`);
      const edit = await web.get(`/contracts/${encodeURIComponent(reference)}/edit`);
      expect(edit.text, reference).toContain(`action="/contracts/${encodeURIComponent(reference)}/edit"`);
      const api = await apiCall(base, hiroshima.token, 'GET', `/api/v1/contracts/${encodeURIComponent(reference)}`);
      expect(api.json.reference, reference).toBe(reference);
    }
    const list = await web.get('/contracts');
    expect(list.text).toContain('href="/contracts/-/new"');
    expect(list.text).toContain('href="/contracts/-/import"');
    expect((await web.get('/contracts/-/new')).text).toContain('action="/contracts"');
    expect((await web.get('/contracts/-/import')).text).toContain('action="/contracts/import"');
  });

  it('refuses "." and "..", which a URL cannot carry as a segment, as a reference', async () => {
    for (const reference of ['.', '..']) {
      await web.get('/contracts/-/new');
      const res = await fetchForm('/contracts', formWith({ ...FORM, reference }, ['contract'], web.csrf()));
      expect(res.status, reference).toBe(422);
      expect(res.text).toContain('href="#reference"');
    }
    expect((await db.sql`select count(*)::int as n from contracts where reference in ('.', '..')`)[0]!.n).toBe(0);
  });
});

describe('the list, a contract and the home page', () => {
  let archiveId: string;

  it('a contract page shows the filed certificate and each check with its reason in Japanese', async () => {
    expect((await apiCall(base, hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', ASHIDA)).status).toBe(201);
    const id = await issueAndUnlock(
      base,
      issuer,
      hiroshima.token,
      await ledgerCertificate('2091000001', 'PAGES001', { guaranteeTo: '2025-02-27' }),
      'PAGES001',
    );
    const filed = await apiCall(base, hiroshima.token, 'POST', `/api/v1/certificates/${id}/archive`, {});
    archiveId = filed.json.id;
    const page = await web.get('/contracts/FK-2024-001');
    expect(page.status).toBe(200);
    expect(page.text).toContain('内容不一致');
    expect(page.text).toContain('保証契約番号 2091000001');
    expect(page.text).toContain(`href="/archive/${archiveId}"`);
    expect(page.text).toContain('保証期間の終期（令和7年2月27日）が、工期の終期（令和7年2月28日）より前です。');
    expect(page.text).toContain('請負代金額 金88,000,000円 が一致します。');
  });

  it('the list filters by state and searches; the home page counts what needs attention', async () => {
    let list = await web.get('/contracts?state=attention');
    expect(list.text).toContain('FK-2024-001');
    expect(list.text).not.toContain('福土第12号');
    list = await web.get(`/contracts?q=${encodeURIComponent('瀬戸内建設株式会社')}`);
    expect(list.text).toContain('福土第12号');
    expect(list.text).not.toContain('FK-2024-001');
    list = await web.get('/contracts?sort=contractPrice&order=desc');
    expect(list.text).toContain('aria-sort="descending"');
    expect((await web.get('/contracts?state=bogus')).status).toBe(422);
    const home = await web.get('/');
    expect(home.text).toContain('要対応の案件が 1 件あります。');
  });

  it('a clerk links and unlinks a filed record by hand from its page', async () => {
    await web.get(`/archive/${archiveId}`);
    let res = await web.post(`/archive/${archiveId}/contract`, { contract: 'NO-SUCH' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('案件台帳にありません');
    res = await web.post(`/archive/${archiveId}/contract`, { contract: '' });
    expect(res.status).toBe(303);
    expect((await apiCall(base, hiroshima.token, 'GET', `/api/v1/archive/${archiveId}`)).json.contract).toBeNull();
    await web.get(`/archive/${archiveId}`);
    res = await web.post(`/archive/${archiveId}/contract`, { contract: 'FK-2024-001' });
    expect(res.status).toBe(303);
    const record = await web.get(`/archive/${archiveId}`);
    expect(record.text).toContain('href="/contracts/FK-2024-001"');
  });

  it("another organisation's contract and record are 404 in the browser", async () => {
    const other = new WebClient(base, { 'accept-language': 'ja' });
    await other.login('yamada', okayama.password);
    expect((await other.get('/contracts/FK-2024-001')).status).toBe(404);
    expect((await other.get('/contracts/FK-2024-001/edit')).status).toBe(404);
    expect((await other.get('/contracts')).text).not.toContain('FK-2024-001');
    await other.get('/contracts');
    expect((await other.post(`/archive/${archiveId}/contract`, { contract: '' })).status).toBe(404);
    expect((await other.post('/contracts/FK-2024-001/edit', { projectName: 'x' })).status).toBe(404);
    expect((await apiCall(base, hiroshima.token, 'GET', `/api/v1/archive/${archiveId}`)).json.contract).toBe('FK-2024-001');
  });
});

describe('importing a CSV in the browser', () => {
  async function upload(csv: Buffer) {
    await web.get('/contracts/-/import');
    const body = new FormData();
    body.set('_csrf', web.csrf());
    body.set('file', new Blob([new Uint8Array(csv)], { type: 'text/csv' }), 'contracts.csv');
    const res = await fetch(`${base}/contracts/import`, {
      method: 'POST',
      body,
      headers: { cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    return { status: res.status, text: await res.text() };
  }

  it('previews what will change, imports nothing until confirmed, then imports', async () => {
    const csv = Buffer.from(
      '契約番号,工事名,受注者,請負代金額,契約日,工期開始,工期終了,必要な保証\r\nIMP-1,取込工事,取込建設株式会社,"1,000,000円",2024/4/1,2024/4/2,2024/9/30,契約保証\r\nFK-2024-001,二級河川芦田川護岸改修工事,備後建設（株）,88000000,2024-06-10,2024-06-11,2025-02-28,中間前払金保証;契約保証\r\n',
    );
    const preview = await upload(csv);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('追加 1 件、更新 0 件、変更なし 1 件');
    expect((await db.sql`select count(*)::int as n from contracts where reference = 'IMP-1'`)[0]!.n).toBe(0);
    const draft = /name="draft" value="([^"]+)"/.exec(preview.text)![1]!;
    web.lastHtml = preview.text;
    const done = await web.post('/contracts/import', { draft });
    expect(done.status).toBe(200);
    expect(done.text).toContain('取り込みました：追加 1 件、更新 0 件。');
    expect((await db.sql`select count(*)::int as n from contracts where reference = 'IMP-1'`)[0]!.n).toBe(1);
    expect((await web.post('/contracts/import', { draft })).status).toBe(404);
  });

  it('takes a file of 10,000 rows, above the limit of other forms; a file over its own limit is a clear error page', async () => {
    const header = '契約番号,工事名,受注者,受注者メール,請負代金額,契約日,工期開始,工期終了,必要な保証';
    const rows = Array.from(
      { length: 10_000 },
      (_, i) =>
        `BULK-${i},髙﨑地区道路改良工事（その${i}）,㈱髙﨑組${i % 500},keiyaku${i}@example.jp,"${(12_345_000 + i).toLocaleString('en-US')}円",2024/6/1,2024/7/1,2025/3/14,中間前払金保証;契約保証`,
    );
    const csv = Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);
    expect(csv.length).toBeGreaterThan(256 * 1024);
    const preview = await upload(csv);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('追加 10000 件、更新 0 件、変更なし 0 件');
    web.lastHtml = preview.text;
    const done = await web.post('/contracts/import', { draft: /name="draft" value="([^"]+)"/.exec(preview.text)![1]! });
    expect(done.text).toContain('取り込みました：追加 10000 件、更新 0 件。');
    expect((await db.sql`select count(*)::int as n from contracts where reference like 'BULK-%'`)[0]!.n).toBe(10_000);

    const tooLarge = await upload(Buffer.concat([csv, Buffer.alloc(MAX_CSV_BYTES, 'x')]));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toContain(`送信されたデータが大きすぎます（上限 ${MAX_CSV_BYTES + 64 * 1024} バイト）`);
    expect(tooLarge.text).toContain('<html');
  }, 180_000);

  it('lists every error with its line and field, and imports nothing', async () => {
    const res = await upload(
      Buffer.from(
        'reference,projectName,contractor,contractPrice,contractDate,periodFrom,periodTo,required\nIMP-2,工事,建設,abc,2024-13-01,2024-04-02,2024-09-30,contract\n',
      ),
    );
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/<td>2<\/td><td>contractPrice<\/td>/);
    expect(res.text).toMatch(/<td>2<\/td><td>contractDate<\/td>/);
    expect((await db.sql`select count(*)::int as n from contracts where reference = 'IMP-2'`)[0]!.n).toBe(0);
  });
});
