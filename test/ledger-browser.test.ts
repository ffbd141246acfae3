import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage, signInThroughForm } from './helpers/browser.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { ASHIDA, issueAndUnlock, ledgerCertificate } from './helpers/ledger.js';
import { seedOrganisation } from './helpers/seed.js';

let fx: ServiceFixture;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let password: string;
let token: string;
const outside: string[] = [];

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ issuer, base } = fx);
  ({ password, token } = await seedOrganisation(fx.db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]));
  await apiCall(base, token, 'PUT', '/api/v1/contracts/FK-2024-001', ASHIDA);
  const id = await issueAndUnlock(base, issuer, token, await ledgerCertificate('2092000001', 'BROWSE01', { amount: 17_600_001 }), 'BROWSE01');
  expect((await apiCall(base, token, 'POST', `/api/v1/certificates/${id}/archive`, {})).json.contract).toBe('FK-2024-001');
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function signedInPage(width = 1280): Promise<Page> {
  const page = await openPage(browser, base, outside, { width, height: 800 });
  await signInThroughForm(page, base, 'tanaka', password);
  return page;
}

const submit = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.$eval(selector, (f) => (f as HTMLFormElement).requestSubmit())]);

describe('the contract ledger in a real browser', () => {
  it('from the home page count to a contract with a failed check, and every ledger page passes axe-core', async () => {
    const page = await signedInPage();
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('要対応の案件が 1 件あります。');
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.click('a[href="/contracts?state=attention"]')]);
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('FK-2024-001');
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.click('a[href="/contracts/FK-2024-001"]')]);
    const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    for (const s of ['内容不一致', '未提出', '中間前払金額 金17,600,001円 が、請負代金額の20%（金17,600,000円）を超えています。', '令和6年6月10日', 'JST'])
      expect(text).toContain(s);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${base}/contracts/FK-2024-001?lang=en`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('creates a contract through the form: errors tied to their fields, then saved', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/contracts/-/new`);
    expect(await axeViolations(page)).toEqual([]);
    await page.type('input[name=reference]', 'R6-土-7');
    await page.type('input[name=contractPrice]', '千円');
    await submit(page, 'form[action="/contracts"]');
    const price = await page.$eval('input[name=contractPrice]', (i) => ({
      invalid: i.getAttribute('aria-invalid'),
      describedBy: i.getAttribute('aria-describedby'),
    }));
    expect(price.invalid).toBe('true');
    expect(await page.$eval('#contractPrice-error', (e) => e.textContent)).toContain('金額は円単位の数字で入力してください');
    expect(await axeViolations(page)).toEqual([]);
    await page.$eval('input[name=contractPrice]', (i) => {
      (i as HTMLInputElement).value = '';
    });
    await page.type('input[name=contractPrice]', '12,000,000');
    await page.type('input[name=projectName]', '市道改良工事');
    await page.type('input[name=contractorName]', '山陽建設株式会社');
    for (const [name, value] of [
      ['contractDate', '2024-07-01'],
      ['periodFrom', '2024-07-02'],
      ['periodTo', '2025-01-31'],
    ] as const) {
      await page.$eval(
        `input[name=${name}]`,
        (i, v) => {
          (i as HTMLInputElement).value = v;
        },
        value,
      );
    }
    await page.click('#required-contract');
    await submit(page, 'form[action="/contracts"]');
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe('/contracts/R6-土-7');
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('金12,000,000円');
    await page.goto(`${base}/contracts/-/import`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('is readable at 375 px: nothing but the tables scrolls sideways', async () => {
    const page = await signedInPage(375);
    for (const p of ['/contracts', '/contracts/FK-2024-001', '/contracts/-/new', '/contracts/-/import']) {
      await page.goto(base + p);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, p).toBeLessThanOrEqual(0);
    }
    await page.close();
  });

  it('loaded nothing from outside shosho', () => {
    expect(outside).toEqual([]);
  });
});
