import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';

const OUT = path.resolve('test-output');

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let password: string;
const outside: string[] = [];

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  ({ password } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'admin' },
  ]));
  const rev0 = await certificate('2070004426', 'QW12ER34TY56');
  await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, rev0)).token);
  const rev1 = changeRevision(rev0, 1, await digestFor('CH12AN34GE56'), '2024-09-02');
  await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, rev1)).token);
  browser = await launchTestBrowser();
  fs.mkdirSync(OUT, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

const newPage = () => openPage(browser, base, outside);

/** Types the credentials into the login form on screen and submits it, as a person would. */
async function submitLogin(page: Page, username: string) {
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function signIn(page: Page, username: string) {
  await page.goto(`${base}/login`);
  await submitLogin(page, username);
}

describe('a clerk in a real browser (Debian Chromium)', () => {
  it('goes from login to the rendered certificate, and every page passes axe-core (WCAG 2 AA)', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    expect(await page.$eval('html', (h) => h.lang)).toBe('ja');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toMatch(/^#/); // the skip link comes first

    await submitLogin(page, 'tanaka');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await axeViolations(page)).toEqual([]);

    await page.type('input[name=number]', '２０７０−００４４２６');
    await page.type('input[name=authKey]', 'ch12-an34-ge56');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toMatch(/\/certificates\/[0-9a-f-]{36}$/);
    const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    for (const expected of ['前払金保証証書', '2070004426', '変更', '広島県知事', '令和6年6月3日', 'JST', 'SHA-256']) expect(text).toContain(expected);
    expect(text).toMatch(/金[0-9]{1,3}(,[0-9]{3})+円/);
    expect(await page.$$eval('.is-changed', (els) => els.length)).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(OUT, 'certificate.png'), fullPage: true });

    await page.goto(`${page.url()}?lang=en`);
    expect(await page.$eval('html', (h) => h.lang)).toBe('en');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('shows a malformed number as an error tied to its field, which axe accepts', async () => {
    const page = await newPage();
    await signIn(page, 'tanaka');
    await page.type('input[name=number]', '12');
    await page.type('input[name=authKey]', 'QW12ER34TY56');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const field = await page.$eval('input[name=number]', (i) => ({ invalid: i.getAttribute('aria-invalid'), describedBy: i.getAttribute('aria-describedby') }));
    expect(field.invalid).toBe('true');
    const message = await page.$eval(`#${field.describedBy!.split(' ').find((id) => id.includes('error'))}`, (e) => e.textContent);
    expect(message).toMatch(/保証契約番号/);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('files the certificate, rechecks it, and the archive, record, audit and audit-check pages pass axe-core', async () => {
    const page = await newPage();
    await signIn(page, 'kansa');
    await page.type('input[name=number]', '2070004426');
    await page.type('input[name=authKey]', 'QW12ER34TY56');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await page.type('input[name=reference]', '福土第45号');
    await Promise.all([page.waitForNavigation(), page.$eval('form[action$="/archive"]', (f) => (f as HTMLFormElement).requestSubmit())]);
    // revision 0 is no longer the latest (revision 1 changed it): filing it asks first
    expect(await page.$eval('.filing-confirm', (e) => (e as HTMLElement).innerText)).toContain('第1回');
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.$eval('.filing-confirm form', (f) => (f as HTMLFormElement).requestSubmit())]);
    expect(page.url()).toMatch(/\/archive\/[0-9a-f-]{36}$/);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.$eval('form[action$="/recheck"]', (f) => (f as HTMLFormElement).requestSubmit())]);
    const report = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    expect(report).toContain('正常');
    expect(report).toContain('発行者（保証事業会社または損害保険会社）の公開鍵で電子署名が正しいことを確認しました。');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(OUT, 'archive-record.png'), fullPage: true });
    for (const p of ['/archive', '/archive?q=2070', '/audit', '/audit/verify']) {
      await page.goto(base + p);
      expect(await axeViolations(page), p).toEqual([]);
    }
    await page.close();
  });

  it('loaded nothing from outside shosho', () => {
    expect(outside).toEqual([]);
  });
});
