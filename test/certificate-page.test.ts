/**
 * The certificate page in Chromium against the real service (issue 13): 保管済み and the warning
 * before filing a revision not in force, 変更前 → 変更後, the 保証文言 and the issuer's
 * representative, lang="ja" on Japanese data in English, and reflow at 375 px and at 200%.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, WITHDRAWN_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
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
let password: string;
const outside: string[] = [];

const NUMBER = '2070004426';
const KEYS = ['QW12ER34TY56', 'CH12AN34GE56'];
const WITHDRAWN_NUMBER = '2070004434';

beforeAll(async () => {
  // filing prints a PDF: the browser warms up first, as in production, so the first filing does not pay for its launch
  fx = await serviceWithIssuer({ SHOSHO_PDF_WARMUP: 'true' });
  ({ db, issuer, base } = fx);
  ({ password } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  const rev0 = await certificate(NUMBER, KEYS[0]!);
  const rev1 = changeRevision(rev0, 1, await digestFor(KEYS[1]!), '2024-09-02');
  const withdrawn = await certificate(WITHDRAWN_NUMBER, 'WD12RA34WN56');
  for (const payload of [rev0, rev1, withdrawn]) await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, payload)).token);
  const withdrawal = { number: WITHDRAWN_NUMBER, kind: 'advance_payment', revision: 0, reason: 'cancelled', withdrawnOn: '2024-07-01' };
  await issuer.push(`${base}/sets`, (await issuer.sign(WITHDRAWN_EVENT, withdrawal)).token);
  browser = await launchTestBrowser();
  while ((await fetch(`${base}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function signedIn(viewport?: { width: number; height: number; deviceScaleFactor?: number }): Promise<Page> {
  const page = await openPage(browser, base, outside, viewport);
  await signInThroughForm(page, base, 'tanaka', password);
  return page;
}

/** Looks a certificate up through the form on screen; gives the certificate page's path. */
async function lookUp(page: Page, number: string, key: string): Promise<string> {
  await page.goto(`${base}/`);
  await page.type('input[name=number]', number);
  await page.type('input[name=authKey]', key);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(page.url()).toMatch(/\/certificates\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname;
}

async function submitArchiveForm(page: Page, reference: string, memo: string) {
  await page.$eval('#reference', (i) => ((i as HTMLInputElement).value = ''));
  await page.type('#reference', reference);
  await page.type('#memo', memo);
  await Promise.all([page.waitForNavigation(), page.$eval('form[action$="/archive"]', (f) => (f as HTMLFormElement).requestSubmit())]);
}

let rev1Path: string;
let rev0Path: string;

// each step signs in and looks up with scrypt, and filing prints a PDF: on a shared two-core machine that takes minutes
describe('the certificate page in Chromium', { timeout: 240_000 }, () => {
  it("says a change revision changed what, and that the values before need the earlier revision's key", async () => {
    const page = await signedIn();
    rev1Path = await lookUp(page, NUMBER, KEYS[1]!);
    const changes = await page.$eval('.changes', (s) => (s as HTMLElement).innerText);
    expect(changes).toContain('工期');
    expect(changes).toMatch(/変更前の値は表示できません。第0回はこの組織で照会されていない/);
    expect(changes).toContain('第0回の認証キー');
    expect(await page.$$eval('.changes-before', (tds) => tds.map((td) => (td as HTMLElement).innerText))).toEqual(['表示できません', '表示できません']);
    expect(await axeViolations(page)).toEqual([]);

    rev0Path = await lookUp(page, NUMBER, KEYS[0]!);
    await page.goto(base + rev1Path);
    const rows = await page.$$eval('.changes-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.children).map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())),
    );
    const heads = await page.$$eval('.changes-table thead th', (ths) => ths.map((th) => (th as HTMLElement).innerText));
    expect(heads).toEqual(['項目', '変更前（第0回）', '変更後（この回）']);
    // the change moves the end of the works 45 days later
    const period = rows.find(([field]) => field === '工期')!;
    expect(period[1]).toContain('令和7年1月5日');
    expect(period[2]).toContain('令和7年2月19日');
    expect(rows.map(([field]) => field)).toEqual(['工期', '保証期間']);
    expect(await page.$eval('.changes', (s) => (s as HTMLElement).innerText)).not.toContain('表示できません');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it("shows the certifying sentence (保証文言) and the issuer's representative the event carries on the sheet", async () => {
    const page = await signedIn();
    await page.goto(base + rev1Path);
    const sheet = await page.$eval('.sheet', (s) => (s as HTMLElement).innerText);
    expect(sheet).toContain('当社は保証契約約款に基づき、保証金額を限度として保証債権者に支払うことを保証します。');
    expect(sheet).toContain('支店長 木村秀樹');
    await page.close();
  });

  it('marks Japanese data on the English page as lang="ja"', async () => {
    const page = await signedIn();
    await page.goto(`${base}${rev1Path}?lang=en`);
    expect(await page.$eval('html', (h) => h.lang)).toBe('en');
    const langs = await page.evaluate(
      (texts: string[]) => {
        const sheet = document.querySelector('.sheet')!;
        const walker = document.createTreeWalker(sheet, NodeFilter.SHOW_TEXT);
        const found: Record<string, string | null> = {};
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const text of texts) {
            if (!(text in found) && node.textContent!.includes(text)) found[text] = node.parentElement!.closest('[lang]')!.getAttribute('lang');
          }
        }
        return found;
      },
      [
        '広島県知事',
        '西日本建設業保証株式会社',
        '支店長 木村秀樹',
        '瀬戸内土木工業株式会社',
        '岡山県倉敷市',
        '二級河川芦田川護岸改修工事',
        '令和6年6月3日',
        '円',
        '保証します',
      ],
    );
    expect(langs).toEqual({
      広島県知事: 'ja',
      西日本建設業保証株式会社: 'ja',
      '支店長 木村秀樹': 'ja',
      瀬戸内土木工業株式会社: 'ja',
      岡山県倉敷市: 'ja',
      二級河川芦田川護岸改修工事: 'ja',
      令和6年6月3日: 'ja',
      円: 'ja',
      保証します: 'ja',
    });
    // the form's own words stay English
    expect(await page.$eval('.sheet-particulars th', (th) => th.closest('[lang]')!.getAttribute('lang'))).toBe('en');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  for (const [label, viewport] of [
    ['375 px', { width: 375, height: 812 }],
    ['200% zoom of a 1280 px window', { width: 640, height: 400, deviceScaleFactor: 2 }],
  ] as const) {
    it(`reflows at ${label}: no horizontal scrolling, row headers wider than two characters`, async () => {
      const page = await signedIn(viewport);
      for (const lang of ['ja', 'en']) {
        await page.goto(`${base}${rev1Path}?lang=${lang}`);
        const layout = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth,
          narrowHeaders: Array.from(document.querySelectorAll('.sheet-particulars th, .changes-table th'))
            .filter((th) => th.getBoundingClientRect().width <= 2 * parseFloat(getComputedStyle(th).fontSize))
            .map((th) => (th as HTMLElement).innerText),
          overflowing: Array.from(document.querySelectorAll('.sheet-particulars, .changes-table, .sheet'))
            .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
            .map((el) => el.className),
        }));
        expect(layout.scrollWidth, lang).toBeLessThanOrEqual(layout.innerWidth);
        expect(layout.narrowHeaders, lang).toEqual([]);
        expect(layout.overflowing, lang).toEqual([]);
        expect(await axeViolations(page), lang).toEqual([]);
      }
      await page.close();
    });
  }

  it('asks before filing a superseded revision, saying what is filed and why that is unusual', async () => {
    const page = await signedIn();
    await page.goto(base + rev0Path);
    expect(await page.$eval('.archive-form', (s) => (s as HTMLElement).innerText)).toContain(
      'この回は最新ではありません。保管する前に確認の画面が表示されます。',
    );
    await submitArchiveForm(page, '福土第7号', '旧版');
    const confirm = await page.$eval('.filing-confirm', (s) => (s as HTMLElement).innerText);
    expect(confirm).toContain('最新ではない回を保管しようとしています');
    expect(confirm).toContain('保管しようとしているのは第0回（新規）です。この証書には第1回があり、この回は最新ではありません。');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('filing-confirm'))).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    const [filedBefore] = await db.sql<{ n: number }[]>`select count(*)::int as n from archive_records`;
    expect(filedBefore!.n).toBe(0);
    await Promise.all([page.waitForNavigation(), page.click('.filing-confirm button[type=submit]')]);
    expect(page.url()).toMatch(/\/archive\/[0-9a-f-]{36}$/);
    const [record] = await db.sql<{ reference: string; memo: string; revision: number }[]>`select reference, memo, revision from archive_records`;
    expect(record).toEqual({ reference: '福土第7号', memo: '旧版', revision: 0 });
    await page.close();
  });

  it('asks before filing a withdrawn revision', async () => {
    const page = await signedIn();
    await lookUp(page, WITHDRAWN_NUMBER, 'WD12RA34WN56');
    await submitArchiveForm(page, '', '');
    const confirm = await page.$eval('.filing-confirm', (s) => (s as HTMLElement).innerText);
    expect(confirm).toContain('取り消された回を保管しようとしています');
    expect(confirm).toContain('この回は取り消されています。');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('says a revision is already filed (保管済み) before filing it again and when it is filed again, keeping the first notes', async () => {
    const page = await signedIn();
    const stale = await signedIn();
    await page.goto(base + rev1Path);
    await stale.goto(base + rev1Path); // a second tab, opened before filing
    await submitArchiveForm(page, '福土第45号', '最初のメモ');
    const recordPath = new URL(page.url()).pathname;
    expect(recordPath).toMatch(/^\/archive\/[0-9a-f-]{36}$/);

    // the PDF filed with it carries the same sheet: the 保証文言 and the representative
    const pdf = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), bytes: [...new Uint8Array(await res.arrayBuffer())] };
    }, `${base}${recordPath}/pdf`);
    expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'certificate-page-')), 'certificate.pdf');
    fs.writeFileSync(file, Uint8Array.from(pdf.bytes));
    const text = execFileSync('pdftotext', [file, '-']).toString().replace(/\s+/g, '');
    expect(text).toContain('当社は保証契約約款に基づき、保証金額を限度として保証債権者に支払うことを保証します。');
    expect(text).toContain('支店長木村秀樹');
    fs.rmSync(path.dirname(file), { recursive: true });
    await page.goto(base + rev1Path);
    const filed = await page.$eval('.archive-form', (s) => (s as HTMLElement).innerText);
    expect(filed).toContain('保管済み');
    expect(filed).toContain('案件番号：福土第45号');
    expect(await page.$('.archive-form form')).toBeNull();
    expect(await page.$eval('.archive-form a', (a) => a.getAttribute('href'))).toBe(recordPath);
    expect(await axeViolations(page)).toEqual([]);

    await submitArchiveForm(stale, '福土第99号', '二度目のメモ');
    const answer = await stale.$eval('.filed-notice', (s) => (s as HTMLElement).innerText);
    expect(answer).toContain('保管済み');
    expect(answer).toContain('今回入力された案件番号とメモは保存していません');
    expect(answer).toContain('福土第99号');
    expect(await stale.$eval('.filed-notice a', (a) => a.getAttribute('href'))).toBe(recordPath);
    expect(await stale.evaluate(() => document.activeElement?.classList.contains('filed-notice'))).toBe(true);
    expect(await axeViolations(stale)).toEqual([]);
    const records = await db.sql<{ reference: string; memo: string }[]>`select reference, memo from archive_records where revision = 1`;
    expect(records).toEqual([{ reference: '福土第45号', memo: '最初のメモ' }]);
    await page.close();
    await stale.close();
  });

  it('loaded nothing from outside shosho', () => {
    expect(outside).toEqual([]);
  });
});
