// Issue 13, the clerk's pages: what a person sees after a form error, a refusal or a sign-in, in a real
// browser against the real service, each page state checked with axe-core.
import type { Browser, HTTPResponse, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, changeRevision, correctionRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let password: string;
let token: string;

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ password, token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'admin' },
  ]));
  await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, await certificate('2070004426', 'QW12ER34TY56'))).token);
  const okayama = await certificate('2070009999', 'OK12AY34AM56', 'advance_payment', 2, { name: '岡山県知事', code: '330001' });
  await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, okayama)).token);
  // revision 1 changes revision 0; revision 2 corrects revision 1
  const rev0 = await certificate('2070005555', 'RE00VI00SI00', 'advance_payment', 3);
  const rev1 = changeRevision(rev0, 1, await digestFor('RE11VI11SI11'), '2024-09-02');
  const rev2 = correctionRevision(rev1, 2, await digestFor('RE22VI22SI22'), '2024-10-01');
  for (const rev of [rev0, rev1, rev2]) await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, rev)).token);
  const other0 = await certificate('2070006666', 'OT00HE00RR00', 'advance_payment', 4);
  const other1 = changeRevision(other0, 1, await digestFor('OT11HE11RR11'), '2024-09-02');
  for (const rev of [other0, other1]) await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, rev)).token);
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

const newPage = () => openPage(browser, base, []);

async function submit(page: Page, selector = 'main form button[type=submit]'): Promise<HTTPResponse> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response!;
}

async function signIn(page: Page, username: string) {
  await page.goto(`${base}/login`);
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await submit(page);
}

async function lookUp(page: Page, number: string, authKey: string): Promise<HTTPResponse> {
  await page.goto(`${base}/`);
  await page.type('input[name=number]', number);
  await page.type('input[name=authKey]', authKey);
  return submit(page);
}

/** What a person meets on a page with errors: where focus is, the title, the summary's heading, text and links. */
async function errorState(page: Page) {
  // autofocus is applied when the browser next renders, which a loaded machine does after `load`:
  // wait for it (a page that never focuses the summary fails below, at the bound)
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'), { timeout: 20_000 }).catch(() => {});
  return page.evaluate(() => {
    const summary = document.querySelector('.error-summary');
    const links = Array.from(summary?.querySelectorAll('a') ?? [], (a) => a.getAttribute('href')!);
    return {
      title: document.title,
      focused: document.activeElement === summary,
      heading: summary?.querySelector('h2')?.textContent ?? null,
      text: (summary as HTMLElement | null)?.innerText ?? '',
      links,
      brokenLinks: links.filter((href) => !document.getElementById(href.slice(1))),
    };
  });
}

describe('after a form error (issue 13, item 1)', () => {
  it('lookup: focus on the summary, 「エラー：」 title, the number kept', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    const res = await lookUp(page, '12', 'QW12ER34TY56');
    expect(res.status()).toBe(422);
    const state = await errorState(page);
    expect(state.title).toMatch(/^エラー：/);
    expect(state.focused).toBe(true);
    expect(state.heading).toBe('入力内容を確認してください');
    expect(state.brokenLinks).toEqual([]);
    expect(await page.$eval('input[name=number]', (i) => i.value)).toBe('12');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('login: focus on the summary, 「エラー：」 title, the user name kept', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.type('input[name=username]', 'tanaka');
    await page.type('input[name=password]', 'not the password');
    expect((await submit(page)).status()).toBe(401);
    const state = await errorState(page);
    expect(state.title).toMatch(/^エラー：/);
    expect(state.focused).toBe(true);
    expect(await page.$eval('input[name=username]', (i) => i.value)).toBe('tanaka');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('archive search: says which field is wrong and why, links only to fields that exist', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    const res = await page.goto(`${base}/archive?q=%E7%A6%8F%E5%9C%9F&kind=bond&sort=size&order=up`);
    expect(res!.status()).toBe(422);
    const state = await errorState(page);
    expect(state.title).toMatch(/^エラー：/);
    expect(state.focused).toBe(true);
    expect(state.links).toEqual(['#kind']);
    expect(state.brokenLinks).toEqual([]);
    expect(state.text).toContain('「種別」の値が選択肢にありません');
    expect(state.text).toContain('並べ替えの指定が正しくありません');
    expect(state.text).not.toContain('要求の内容が正しくありません');
    expect(await page.$eval('input[name=q]', (i) => i.value)).toBe('福土');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('archive memo too long: focus moves 2,000 px down to the summary, both fields kept', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await lookUp(page, '2070004426', 'QW12ER34TY56');
    const certificateUrl = page.url();
    const memo = 'あ'.repeat(2001);
    await page.type('input[name=reference]', '福土第45号');
    await page.$eval(
      'textarea[name=memo]',
      (t, text) => {
        (t as HTMLTextAreaElement).value = text;
      },
      memo,
    );
    const res = await submit(page, 'form[action$="/archive"] button[type=submit]');
    expect(res.status()).toBe(422);
    const state = await errorState(page);
    expect(state.title).toMatch(/^エラー：/);
    expect(state.focused).toBe(true);
    expect(state.links).toEqual(['#memo']);
    expect(await page.$eval('input[name=reference]', (i) => i.value)).toBe('福土第45号');
    expect(await page.$eval('textarea[name=memo]', (t) => t.value)).toBe(memo);
    expect(await axeViolations(page)).toEqual([]);

    // the English link of this POST's page leads to the certificate, not to a 404 (item 3)
    const english = await page.$eval('a.site-lang', (a) => (a as HTMLAnchorElement).href);
    expect(english).toBe(`${certificateUrl}?lang=en`);
    expect((await page.goto(english))!.status()).toBe(200);
    expect(await page.$eval('html', (h) => h.lang)).toBe('en');
    await page.close();
  });
});

describe('signing in and the language switch (issue 13, item 3)', () => {
  it('/login?next=/archive lands on /archive; another site or a scheme-relative next lands on /', async () => {
    const page = await newPage();
    await page.goto(`${base}/archive?q=2070`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.type('input[name=username]', 'tanaka');
    await page.type('input[name=password]', password);
    await submit(page);
    expect(page.url()).toBe(`${base}/archive`);

    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const other = await newPage();
      await other.goto(`${base}/login?next=${encodeURIComponent(next)}`);
      expect(await other.$('input[name=next]'), next).toBeNull();
      await other.type('input[name=username]', 'tanaka');
      await other.type('input[name=password]', password);
      await submit(other);
      expect(other.url(), next).toBe(`${base}/`);
      await other.close();
    }
    await page.close();
  });

  it('keeps next through a failed sign-in', async () => {
    const page = await newPage();
    await page.goto(`${base}/login?next=${encodeURIComponent('/audit')}`);
    await page.type('input[name=username]', 'kansa');
    await page.type('input[name=password]', 'wrong');
    expect((await submit(page)).status()).toBe(401);
    await page.type('input[name=password]', password);
    await submit(page);
    expect(page.url()).toBe(`${base}/audit`);
    await page.close();
  });

  it('the English link of a recheck result leads to the record, and of a search keeps the search', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await page.goto(`${base}/archive?q=2070`);
    expect(await page.$eval('a.site-lang', (a) => (a as HTMLAnchorElement).href)).toBe(`${base}/archive?q=2070&lang=en`);
    const [{ id: revisionId }] = await db.sql<[{ id: string }]>`select id from certificate_revisions where number = '2070004426'`;
    await lookUp(page, '2070004426', 'QW12ER34TY56');
    expect(page.url()).toBe(`${base}/certificates/${revisionId}`);
    await submit(page, 'form[action$="/archive"] button[type=submit]');
    const recordUrl = page.url();
    await submit(page, 'form[action$="/recheck"] button[type=submit]');
    const english = await page.$eval('a.site-lang', (a) => (a as HTMLAnchorElement).href);
    expect(english).toBe(`${recordUrl}?lang=en`);
    expect((await page.goto(english))!.status()).toBe(200);
    await page.close();
  });
});

describe('the status names the revision that replaced this one (issue 13, item 4)', () => {
  const statusOf = (page: Page) =>
    page.evaluate(() => ({
      label: document.querySelector('.status-banner .status-label')!.textContent,
      banner: (document.querySelector('.status-banner') as HTMLElement).innerText,
      sheet: (document.querySelector('.sheet') as HTMLElement).innerText,
      main: (document.querySelector('main') as HTMLElement).innerText,
    }));

  it('revision 1, corrected by revision 2, is 「最新ではありません（第2回訂正あり）」, not 「変更により失効」, on the sheet too', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    await lookUp(page, '2070005555', 'RE11VI11SI11');
    const status = await statusOf(page);
    expect(status.label).toBe('最新ではありません（第2回訂正あり）');
    expect(status.banner).toContain('第2回（訂正、令和6年10月1日発行）でこの回の内容が改められています。');
    expect(status.sheet).toContain('状態：最新ではありません（第2回訂正あり）');
    expect(status.main).not.toContain('失効');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('revision 0 names revision 1 (the change that replaced it) and revision 2 as the latest', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    await lookUp(page, '2070005555', 'RE00VI00SI00');
    const status = await statusOf(page);
    expect(status.label).toBe('最新ではありません（第1回変更あり）');
    expect(status.banner).toContain('第1回（変更、令和6年9月2日発行）でこの回の内容が改められています。');
    expect(status.banner).toContain('最新は第2回（令和6年10月1日発行）です。');
    expect(status.sheet).toContain('状態：最新ではありません（第1回変更あり）');
    await page.goto(`${page.url()}?lang=en`);
    expect(await page.$eval('.sheet-status', (p) => p.textContent)).toBe('Status: Not the latest revision (Revision 1, a Change, exists)');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('the latest revision says 有効 on the sheet', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    await lookUp(page, '2070005555', 'RE22VI22SI22');
    expect((await statusOf(page)).sheet).toContain('状態：有効');
    await page.close();
  });
});

describe('print (issue 13, item 5)', () => {
  /** The text a reader sees of each selected element on screen, and the whole text of the page on paper. */
  async function screenAndPaper(page: Page, selectors: string[]) {
    await page.emulateMediaType('screen');
    const onScreen = await page.evaluate((sels) => sels.map((s) => (document.querySelector(s) as HTMLElement | null)?.innerText ?? null), selectors);
    const screenText = await page.$eval('body', (b) => (b as HTMLElement).innerText);
    await page.emulateMediaType('print');
    const paperText = await page.$eval('body', (b) => (b as HTMLElement).innerText);
    await page.emulateMediaType('screen');
    return { onScreen, screenText, paperText };
  }
  const PRINTED_AT = /印刷日時：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d JST/;

  it('the certificate prints without 「この回を表示」「表示中」「未表示」, with 印刷日時 in JST', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await lookUp(page, '2070005555', 'RE00VI00SI00'); // so that revision 0 has its 「この回を表示」 link
    await lookUp(page, '2070005555', 'RE11VI11SI11');
    const { screenText, paperText } = await screenAndPaper(page, []);
    for (const word of ['この回を表示', '表示中']) expect(screenText).toContain(word);
    expect(screenText).not.toMatch(PRINTED_AT);
    for (const word of ['この回を表示', '表示中', '未表示', '保管済み証書に保存']) expect(paperText).not.toContain(word);
    expect(paperText).toMatch(PRINTED_AT);
    expect(paperText).toContain('状態：最新ではありません（第2回訂正あり）');

    // the time is that of printing: print.js writes it again as printing starts
    await page.$eval('[data-print-time]', (t) => {
      t.textContent = '';
    });
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    expect(await page.$eval('.print-time', (p) => p.textContent)).toMatch(PRINTED_AT);

    await lookUp(page, '2070006666', 'OT11HE11RR11'); // revision 0 stays 「未表示」
    const other = await screenAndPaper(page, []);
    expect(other.screenText).toContain('未表示（この回の認証キーが必要）');
    expect(other.paperText).not.toContain('未表示');
    await page.close();
  });

  it('the archive record, the archive list and the audit log print without their downloads, search boxes and CSV links', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await lookUp(page, '2070005555', 'RE22VI22SI22');
    await submit(page, 'form[action$="/archive"] button[type=submit]');
    const record = await screenAndPaper(page, ['.record h3']);
    expect(record.onScreen[0]).toBe('ダウンロード');
    expect(record.paperText).not.toContain('ダウンロード');
    expect(record.paperText).toMatch(PRINTED_AT);

    await page.goto(`${base}/archive?q=2070005555&kind=advance_payment`);
    const list = await screenAndPaper(page, ['#search-heading', 'a[href^="/archive.csv"]']);
    expect(list.onScreen.every((text) => text)).toBe(true);
    for (const text of list.onScreen) expect(list.paperText).not.toContain(text);
    expect(list.paperText).toContain('2070005555');
    expect(list.paperText).toContain('検索条件： キーワード：2070005555 種別：前払金保証証書');
    expect(list.screenText).not.toContain('検索条件');
    await page.emulateMediaType('print');
    expect(await page.$eval('#q', (input) => input.getClientRects().length)).toBe(0); // the search box
    await page.emulateMediaType('screen');

    await page.goto(`${base}/audit`);
    const audit = await screenAndPaper(page, ['#filter-heading', 'a[href^="/audit.csv"]']);
    expect(audit.onScreen.every((text) => text)).toBe(true);
    for (const text of audit.onScreen) expect(audit.paperText).not.toContain(text);
    await page.close();
  });
});

describe('「PDFを保存する」 saves a named file (issue 13, item 6)', () => {
  const headersIn = (page: Page, path: string) =>
    page.evaluate(async (p) => {
      const res = await fetch(p);
      await res.arrayBuffer();
      return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
    }, path);

  it('serves the certificate and archive PDFs as downloads named number-revision-kind.pdf; the API answers application/pdf', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await lookUp(page, '2070005555', 'RE22VI22SI22');
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const saveLink = await page.$eval('.actions a[href$="/pdf"]', (a) => ({ text: a.textContent, href: a.getAttribute('href') }));
    expect(saveLink.text).toBe('PDFを保存する');
    expect(await headersIn(page, saveLink.href!)).toEqual({
      status: 200,
      type: 'application/pdf',
      disposition: `attachment; filename="2070005555-2-advance_payment.pdf"; filename*=UTF-8''2070005555-2-${encodeURIComponent('前払金保証証書')}.pdf`,
    });
    expect((await headersIn(page, `${saveLink.href}?lang=en`)).disposition).toBe(
      `attachment; filename="2070005555-2-advance_payment.pdf"; filename*=UTF-8''2070005555-2-Advance%20Payment%20Guarantee%20Certificate.pdf`,
    );

    // an earlier test filed this revision: its page links the record instead of offering the form
    const recordId = (await page.$eval('.filed-link', (a) => a.getAttribute('href')!)).split('/').pop()!;
    expect(await headersIn(page, `/archive/${recordId}/pdf`)).toMatchObject({
      status: 200,
      type: 'application/pdf',
      disposition: expect.stringMatching(/^attachment; filename="2070005555-2-advance_payment-archived\.pdf"; filename\*=UTF-8''/),
    });
    for (const path of [`/api/v1/certificates/${id}/pdf`, `/api/v1/archive/${recordId}/pdf`]) {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('application/pdf');
      expect(
        Buffer.from(await res.arrayBuffer())
          .subarray(0, 5)
          .toString(),
        path,
      ).toBe('%PDF-');
    }
    await page.close();
  });
});

describe('error reference numbers (issue 13, item 7)', () => {
  it('an error page shows the first 8 characters of the request id that the response header carries whole', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    const res = await page.goto(`${base}/certificates/00000000-0000-4000-8000-000000000000`);
    expect(res!.status()).toBe(404);
    const requestId = res!.headers()['x-request-id']!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.$eval('.request-id', (p) => p.textContent)).toBe(`問い合わせ番号：${requestId.slice(0, 8)}`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the audit log for people (issue 13, item 8)', () => {
  it('names actions in Japanese and filters them with a drop-down', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await lookUp(page, '2070004426', 'QW12ER34TY56'); // a certificate.view entry at least
    await page.goto(`${base}/audit`);
    const actions = () => page.$$eval('main table tbody tr td:nth-of-type(3)', (tds) => tds.map((td) => td.textContent!.trim()));
    const shown = await actions();
    expect(shown).toContain('証書の表示');
    expect(shown).toContain('ログイン');
    expect(shown.filter((a) => /^[a-z.]+$/.test(a))).toEqual([]);
    expect(await page.$eval('#action', (s) => s.tagName)).toBe('SELECT');
    expect(await axeViolations(page)).toEqual([]);

    await page.select('#action', 'certificate.view');
    await submit(page, 'form[action="/audit"] button[type=submit]');
    expect(new URL(page.url()).searchParams.get('action')).toBe('certificate.view');
    expect(new Set(await actions())).toEqual(new Set(['証書の表示']));
    expect(await page.$eval('#action', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent)).toBe('証書の表示');

    await page.goto(`${page.url()}&lang=en`);
    expect(new Set(await actions())).toEqual(new Set(['Certificate viewed']));
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('refusals say what happened and until when (issue 13, item 2)', () => {
  it("another obligee's certificate (403) is not put as a mistake in what was typed", async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    expect((await lookUp(page, '2070009999', 'OK12AY34AM56')).status()).toBe(403);
    const state = await errorState(page);
    expect(state.heading).toBe('ご依頼の操作を行えませんでした');
    expect(state.text).toContain('貴組織あての証書ではない');
    expect(state.focused).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('a locked number (429) gives the time in JST when it can be looked up again', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    let res: HTTPResponse;
    do res = await lookUp(page, '2070004430', 'WR0NGKEY0000');
    while (res.status() === 404);
    expect(res.status()).toBe(429);
    const state = await errorState(page);
    expect(state.heading).toBe('ご依頼の操作を行えませんでした');
    expect(state.text).toMatch(/この保証契約番号は\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d JSTまで照会できません/);
    expect(state.text).not.toContain('分後');
    expect(state.title).toMatch(/^エラー：/);
    expect(state.focused).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('a locked sign-in (429) gives the time in JST', async () => {
    const page = await newPage();
    let status: number;
    do {
      await page.goto(`${base}/login`);
      await page.type('input[name=username]', 'yamada');
      await page.type('input[name=password]', 'guess');
      status = (await submit(page)).status();
    } while (status === 401);
    expect(status).toBe(429);
    const state = await errorState(page);
    expect(state.heading).toBe('ご依頼の操作を行えませんでした');
    expect(state.text).toMatch(/ログインの失敗が続いたため、\d{4}年.+ JSTまでログインできません/);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  // Last: it locks this client out of every lookup.
  it('a per-client lock does not speak of 「この保証契約番号」', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    await lookUp(page, '2070004427', 'WR0NGKEY0000');
    const [{ client }] = await db.sql<[{ client: string }]>`select client from audit_log where action = 'lookup' order by seq desc limit 1`;
    await db.sql`insert into attempt_failures (scope, subject) select 'lookup-client', ${client} from generate_series(1, 30)`;
    expect((await lookUp(page, '2070004428', 'WR0NGKEY0000')).status()).toBe(429);
    const state = await errorState(page);
    expect(state.text).toMatch(/この端末からの照会の失敗が続いたため、\d{4}年.+ JSTまではどの番号も照会できません/);
    expect(state.text).not.toContain('この保証契約番号');
    await page.close();
  });
});
