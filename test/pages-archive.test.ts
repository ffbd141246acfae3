// Issue 13, the archive and the audit log for people, dates a clerk types and the wording: in a real
// browser against the real service, each page state checked with axe-core.
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/auditlog/index.js';
import { formatWarekiParts } from '../src/domain/index.js';
import { CERTIFICATE_EVENT, changeRevision, type CertificatePayloadInput, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage, signInThroughForm } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let hiroshimaPassword: string;
let okayamaPassword: string;
const payloads = new Map<string, CertificatePayloadInput>();

/** Files the revision for the organisation as the archive would, without making a PDF (the list reads none). */
async function fileDirectly(orgId: string, number: string, revision: number, statusWhenArchived: 'current' | 'superseded') {
  await db.sql`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, issuer_id, number, kind, revision,
                                 revision_type, project_name, contractor, obligee, search_text)
    select ${orgId}, r.id, '\\x00', repeat('0', 64), repeat('1', 64), 'tanaka', ${statusWhenArchived}, r.issuer_id, r.number, r.kind, r.revision, r.revision_type,
           r.payload->'project'->>'name', r.payload->'contractor'->>'name', r.obligee_name, r.number
    from certificate_revisions r where r.number = ${number} and r.revision = ${revision}`;
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ password: hiroshimaPassword } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'auditor' },
  ]));
  ({ password: okayamaPassword } = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'sato', role: 'clerk' }]));
  for (const [i, number] of ['2070001111', '2070002222', '2070003333', '2070004444', '2070005555'].entries()) {
    const payload = await certificate(number, 'QW12ER34TY56', 'advance_payment', i + 1);
    payloads.set(number, payload);
    await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, payload)).token);
    await fileDirectly('hiroshima', number, 0, 'current');
  }
  // 2070005555 was current when filed; its revision 1 (a change) came after, so its status changed since
  await issuer.push(
    `${base}/sets`,
    (await issuer.sign(CERTIFICATE_EVENT, changeRevision(payloads.get('2070005555')!, 1, await digestFor('RE11VI11SI11'), '2024-09-02'))).token,
  );
  await fileDirectly('hiroshima', '2070005555', 1, 'current');
  await db.sql.begin((tx) =>
    appendAudit(tx, [
      {
        action: 'archive',
        outcome: 'created',
        actor: 'tanaka',
        orgId: 'hiroshima',
        number: '2070001111',
        detail: { revisionId: '00000000-0000-4000-8000-000000000001', pdfSha256: '0'.repeat(64) },
      },
      { action: 'archive.view', outcome: 'success', actor: 'tanaka', orgId: 'hiroshima', number: '2070001111' },
      { action: 'lookup', outcome: 'failure', actor: 'tanaka', orgId: 'hiroshima', number: '2070009999', detail: { reason: 'unknown number or wrong key' } },
    ]),
  );
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function signedIn(username: string, password = hiroshimaPassword): Promise<Page> {
  const page = await openPage(browser, base, []);
  await signInThroughForm(page, base, username, password);
  return page;
}

const columnTexts = (page: Page, heading: string) =>
  page.evaluate((name) => {
    const headers = Array.from(document.querySelectorAll('table.data-table thead th'), (th) => th.textContent!.trim());
    const index = headers.findIndex((h) => h.startsWith(name));
    return Array.from(
      document.querySelectorAll('table.data-table tbody tr'),
      (tr) => (tr.children[index] as HTMLElement | undefined)?.innerText.trim() ?? null,
    );
  }, heading);

const rowsByNumber = (page: Page) => page.$$eval('table.data-table tbody th[scope=row]', (ths) => ths.map((th) => th.textContent!.trim()));

/** Today in JST as 令和 with an era letter, e.g. `R8.12.2`, and as `YYYY/M/D`. */
function todayTyped() {
  const iso = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
  const { year, month, day } = formatWarekiParts(iso);
  return { wareki: `R${year}.${month}.${day}`, kanji: `令和${year}年${month}月${day}日`, slashed: iso.replaceAll('-', '/') };
}

async function submitSearch(page: Page, fields: Record<string, string>) {
  for (const [name, value] of Object.entries(fields)) {
    await page.$eval(`input[name=${name}]`, (i) => {
      (i as HTMLInputElement).value = '';
    });
    await page.type(`input[name=${name}]`, value);
  }
  const [response] = await Promise.all([page.waitForNavigation(), page.click('form.search-form button[type=submit]')]);
  return response!;
}

describe('the archive (issue 13: filter, columns, pages, CSV, empty archive)', () => {
  it('shows 保証金額, 保証期間 and whether the status changed after filing, and filters by that', async () => {
    const page = await signedIn('tanaka');
    await page.goto(`${base}/archive`);
    const headers = await page.$$eval('table.data-table thead th', (ths) => ths.map((th) => th.textContent!.trim()));
    expect(headers).toEqual(expect.arrayContaining(['保証金額', '保証期間', '保管後の状態変化']));
    const amount = payloads.get('2070001111')!.guarantee.amount;
    expect((await columnTexts(page, '保証金額')).join()).toContain(`金${amount.toLocaleString('en')}円`);
    expect((await columnTexts(page, '保証期間'))[0]).toMatch(/^(令和|平成)\S+年\d+月\d+日.*〜/);
    const changed = await columnTexts(page, '保管後の状態変化');
    expect(changed.filter((t) => t === '変化あり（保管時は「有効」）')).toHaveLength(1);
    expect(changed.filter((t) => t === '変化なし')).toHaveLength(5);
    expect(await axeViolations(page)).toEqual([]);

    await page.click('input[name=changed]');
    await Promise.all([page.waitForNavigation(), page.click('form.search-form button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('changed')).toBe('1');
    expect(await rowsByNumber(page)).toEqual(['2070005555']);
    expect(await page.$eval('input[name=changed]', (i) => (i as HTMLInputElement).checked)).toBe(true);
    expect(await page.$eval('.search-conditions', (p) => p.textContent)).toContain('保管後に状態が変わった証書だけ');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('at 375 px and at 200% zoom each filed certificate reads as a card: nothing scrolls sideways, no value one character a line', async () => {
    const page = await signedIn('tanaka');
    for (const viewport of [
      { width: 375, height: 800 },
      { width: 640, height: 800, deviceScaleFactor: 2 },
    ]) {
      await page.setViewport(viewport);
      await page.goto(`${base}/archive`);
      const layout = await page.evaluate(() => ({
        sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        table: (document.querySelector('.table-scroll') as HTMLElement).scrollWidth - (document.querySelector('.table-scroll') as HTMLElement).clientWidth,
        narrow: Array.from(document.querySelectorAll('.archive-table tbody td.cell-text')).filter((td) => td.getBoundingClientRect().width < 100).length,
        label: document.querySelector('.archive-table tbody td.cell-text')!.getAttribute('data-label'),
        shown: getComputedStyle(document.querySelector('.archive-table tbody td.cell-text')!, '::before').content,
      }));
      expect(layout).toMatchObject({ sideways: 0, table: 0, narrow: 0, label: '工事名' });
      expect(layout.shown).toMatch(/工事名|attr\(data-label\)/);
      expect(await axeViolations(page)).toEqual([]);
    }
    await page.close();
  });

  it('pages with numbers, previous and next, and a count', async () => {
    const page = await signedIn('tanaka');
    await page.goto(`${base}/archive?limit=2&sort=number&order=asc`);
    expect(await page.$eval('.result-count', (p) => p.textContent)).toBe('6件中 1〜2件目');
    const links = () => page.$$eval('nav.page-numbers a', (as) => as.map((a) => `${a.textContent!.trim()}${a.getAttribute('aria-current') ? '*' : ''}`));
    expect(await links()).toEqual(['1*', '2', '3', '次のページ']);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.click('nav.page-numbers a[aria-label="3ページ目"]')]);
    expect(await page.$eval('.result-count', (p) => p.textContent)).toBe('6件中 5〜6件目');
    expect(await links()).toEqual(['前のページ', '1', '2', '3*']);
    expect(await rowsByNumber(page)).toEqual(['2070005555', '2070005555']);
    await Promise.all([page.waitForNavigation(), page.click('nav.page-numbers a[rel=prev]')]);
    expect(await page.$eval('.result-count', (p) => p.textContent)).toBe('6件中 3〜4件目');
    expect(await rowsByNumber(page)).toEqual(['2070003333', '2070004444']);
    // a sort keeps the search but starts again at page 1
    expect(await page.$eval('th[aria-sort] a', (a) => a.getAttribute('href'))).not.toContain('page=');
    await page.close();
  });

  it("the CSV speaks the screens' words: 保証契約者 and 保証債権者, never 受注者 or 発注者", async () => {
    const page = await signedIn('tanaka');
    await page.goto(`${base}/archive`);
    const href = await page.$eval('a[href^="/archive.csv"]', (a) => (a as HTMLAnchorElement).href);
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
    const header = csv.split('\r\n')[0]!;
    expect(header).toContain('"保証契約者","保証債権者"');
    expect(header).toContain('"保証金額","保証期間（自）","保証期間（至）","現在の状態","保管時の状態","保管後の状態変化"');
    expect(header).not.toMatch(/受注者|発注者/);
    expect(csv).toContain('"変化あり（保管時は「有効」）"');
    await page.close();
  });

  it('an empty archive says how to file a certificate', async () => {
    const page = await signedIn('sato', okayamaPassword);
    await page.goto(`${base}/archive`);
    const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    expect(text).toContain('保管済みの証書はまだありません。');
    expect(text).toContain('証書を保管するには');
    expect(await page.$$eval('.empty-archive ol li', (lis) => lis.length)).toBe(3);
    expect(await page.$eval('.empty-archive a', (a) => a.getAttribute('href'))).toBe('/');
    expect(await page.$('a[href^="/archive.csv"]')).toBeNull();
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('dates a Japanese clerk types (issue 13)', () => {
  it('the archive search takes R6.6.3, 令和 and 2024/6/3 in text fields with a 和暦 hint', async () => {
    const page = await signedIn('tanaka');
    await page.goto(`${base}/archive`);
    expect(await page.$eval('input[name=from]', (i) => i.type)).toBe('text');
    expect(await page.$eval('#from-hint', (p) => p.textContent)).toContain('令和6年6月3日');
    const today = todayTyped();
    expect((await submitSearch(page, { from: today.wareki, to: today.kanji })).status()).toBe(200);
    expect(await rowsByNumber(page)).toHaveLength(6);
    expect((await submitSearch(page, { from: '2099/1/1', to: '' })).status()).toBe(200);
    expect(await rowsByNumber(page)).toHaveLength(0);
    expect((await submitSearch(page, { from: today.slashed })).status()).toBe(200);
    expect(await rowsByNumber(page)).toHaveLength(6);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('an impossible date is refused saying so, at its field, with what was typed kept', async () => {
    const page = await signedIn('kansa');
    for (const path of ['/archive', '/audit']) {
      await page.goto(`${base}${path}`);
      expect((await submitSearch(page, { from: '2024/2/30', to: '平成32年1月1日' })).status(), path).toBe(422);
      await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'), { timeout: 20_000 });
      expect(await page.title()).toMatch(/^エラー：/);
      expect(await page.$eval('#from-error', (p) => p.textContent)).toContain('「2024/2/30」という日付はありません。');
      expect(await page.$eval('#to-error', (p) => p.textContent)).toContain('「平成32年1月1日」はその元号の期間にない日付です。');
      expect(await page.$eval('input[name=from]', (i) => (i as HTMLInputElement).value)).toBe('2024/2/30');
      expect(await axeViolations(page)).toEqual([]);
    }
    await page.close();
  });
});

describe('the audit log for people (issue 13)', () => {
  it('shows outcomes and details in words, not JSON, and filters on exactly the action chosen', async () => {
    const page = await signedIn('kansa');
    await page.goto(`${base}/audit`);
    const details = await page.$$eval('td.audit-detail', (tds) => tds.map((td) => (td as HTMLElement).innerText));
    expect(details.join('\n')).toContain('番号が見つからないか、認証キーが違います');
    expect(details.join('\n')).toContain('保管しました');
    for (const text of details) expect(text).not.toMatch(/[{}"]/);
    expect(await axeViolations(page)).toEqual([]);

    await page.select('select[name=action]', 'archive');
    await Promise.all([page.waitForNavigation(), page.click('form.search-form button[type=submit]')]);
    const actions = await page.$$eval('table.data-table tbody tr td:nth-of-type(3)', (tds) => tds.map((td) => td.textContent!.trim()));
    expect(actions).toEqual(['証書の保管']);
    await page.close();
  });

  it('the CSV has the action names and readable details, in Japanese or in English', async () => {
    const page = await signedIn('kansa');
    await page.goto(`${base}/audit`);
    const csvOf = (url: string) => page.evaluate(async (u) => (await fetch(u)).text(), url);
    const ja = await csvOf(`${base}/audit.csv?action=lookup`);
    expect(ja.split('\r\n')[0]).toContain('"連番","日時(JST)","操作","結果"');
    expect(ja).toContain('"証書の照会","失敗"');
    expect(ja).toContain('理由：番号が見つからないか、認証キーが違います');
    await page.goto(`${base}/audit?lang=en`);
    const en = await csvOf(`${base}/audit.csv?action=lookup`);
    expect(en.split('\r\n')[0]).toContain('"Seq","Time (JST)","Action","Outcome"');
    expect(en).toContain('"Certificate lookup","Failed"');
    expect(en).toContain('Reason: unknown number or wrong key');
    await page.close();
  });

  it("says in a clerk's words that no tampering was found, with how many entries were checked", async () => {
    const page = await signedIn('kansa');
    await page.goto(`${base}/audit/verify`);
    expect(await page.$eval('.outcome', (p) => (p as HTMLElement).innerText)).toMatch(/正常\s*監査ログに改ざんは見つかりませんでした（\d+件を確認）。/);
    expect(await page.$eval('nav', (n) => (n as HTMLElement).innerText)).toContain('保管済み証書');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
