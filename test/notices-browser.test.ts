import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, NoticePrinter, type NoticeContent, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage, signInThroughForm } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let password: string;
let twoNotices: Uint8Array;
const outside: string[] = [];

const notice = (number: string, authKey: string, kind: NoticeContent['kind']): NoticeContent => ({
  number,
  authKey,
  kind,
  revisionType: 'new',
  projectName: '二級河川芦田川護岸改修工事',
  contractor: '備後建設株式会社',
  obligee: '広島県知事',
  issuer: { name: '西日本建設業保証株式会社', office: '広島支店' },
  issuedOn: '2024-06-03',
});

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ password } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  for (const [number, key, kind] of [
    ['2070004426', 'QW12-ER34-TY56', 'advance_payment'],
    ['2070004427', 'AS12-DF34-GH56', 'contract'],
  ] as const) {
    await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, await certificate(number, key, kind))).token);
  }
  const printer = await NoticePrinter.open();
  try {
    twoNotices = await printer.print([notice('2070004426', 'QW12-ER34-TY56', 'advance_payment'), notice('2070004427', 'AS12-DF34-GH56', 'contract')], {
      layout: 'table',
      perPage: 2,
    });
  } finally {
    await printer.close();
  }
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function signedInPage(): Promise<Page> {
  const page = await openPage(browser, base, outside);
  await signInThroughForm(page, base, 'tanaka', password);
  return page;
}

/** Presses Tab until the focused element matches `selector` (as a keyboard user would), failing after 80 presses. */
async function tabTo(page: Page, selector: string) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe('key notices in a real browser (Debian Chromium)', () => {
  it('keyboard only: paste an e-mail, correct the table, look up all, file all found; every page passes axe-core', async () => {
    const page = await signedInPage();
    expect(await axeViolations(page)).toEqual([]);
    await tabTo(page, 'textarea[name=text]');
    await page.keyboard.type('保証契約番号：２０７０００４４２６\n認証キー：qw12-er34-ty56\n区分：新規\n\n保証契約番号：2070004427\n認証キー：XXXX-XXXX\n');
    await tabTo(page, 'form[action="/notices"] button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    expect(new URL(page.url()).pathname).toBe('/notices');
    expect(await page.$$eval('input[name=number]', (els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['2070004426', '2070004427', '']);
    expect(await page.$$eval('tbody tr', (rows) => rows.map((r) => r.classList.contains('notice-doubtful')))).toEqual([true, true, false]);
    const doubts = await page.$eval('tbody tr:nth-child(2)', (r) => (r as HTMLElement).innerText);
    expect(doubts).toContain('認証キーの長さ（8文字）');
    expect(await axeViolations(page)).toEqual([]);

    // the clerk corrects the second key in the table
    await tabTo(page, '#authKey-2');
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.type('as12 df34 gh56');
    await tabTo(page, 'form[action="/lookup/batch"] button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    expect(new URL(page.url()).pathname).toBe('/lookup/batch');
    const results = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    expect(results).toContain('前払金保証');
    expect(results).toContain('契約保証');
    expect(await page.$$eval('tbody a[href^="/certificates/"]', (as) => as.length)).toBe(2);
    expect(await axeViolations(page)).toEqual([]);

    await tabTo(page, 'form[action="/lookup/batch/archive"] button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/archive');
    const filed = await db.sql`select number from archive_records order by number`;
    expect(filed.map((r) => r.number)).toEqual(['2070004426', '2070004427']);
    expect(outside).toEqual([]);
    await page.close();
  });

  it('drag and drop a notice PDF onto the lookup page at 375 px: both pairs read, nothing overflows', async () => {
    const page = await signedInPage();
    await page.setViewport({ width: 375, height: 800 });
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'お知らせ.pdf', { type: 'application/pdf' }));
      const zone = document.querySelector('[data-notice-drop]')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, Buffer.from(twoNotices).toString('base64'));
    expect(await page.$eval('.notice-drop-list', (e) => e.textContent)).toContain('お知らせ.pdf');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/notices"] button[type=submit]')]);
    const sources = await page.$$eval('tbody tr td:first-of-type', (tds) => tds.map((td) => td.textContent));
    expect(sources).toEqual(['お知らせ.pdf p.1', 'お知らせ.pdf p.1', '手入力']);
    expect(await page.$$eval('input[name=authKey]', (els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['QW12ER34TY56', 'AS12DF34GH56', '']);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
