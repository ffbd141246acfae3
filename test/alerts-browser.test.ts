import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWebhook } from '../src/alerts/index.js';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let password: string;
const receiver = new WebhookReceiver();
const outside: string[] = [];

beforeAll(async () => {
  fx = await serviceWithIssuer({ SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'true', SHOSHO_WEBHOOK_RETRY_MS: '50' });
  ({ db, issuer, base } = fx);
  let token: string;
  ({ password, token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'kanri', role: 'admin' }]));
  await addWebhook(db.sql, { orgId: 'hiroshima', url: await receiver.listen(), actor: 'test', allowPrivate: true });
  for (const [number, key] of [
    ['2092000001', 'BR00KEY1'],
    ['2092000002', 'BR00KEY2'],
  ] as const) {
    const rev0 = await certificate(number, key);
    await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, rev0)).token);
    const { json } = await apiCall(base, token, 'POST', '/api/v1/lookup', { number, authKey: key });
    expect((await apiCall(base, token, 'POST', `/api/v1/certificates/${json.id}/archive`, {})).status).toBe(201);
    await issuer.push(`${base}/sets`, (await issuer.sign(CERTIFICATE_EVENT, changeRevision(rev0, 1, await digestFor(`${key}X`), '2024-09-02'))).token);
  }
  browser = await launchTestBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await fx?.close();
  await receiver.close();
});

const newPage = () => openPage(browser, base, outside, { width: 375, height: 740 });

const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('alerts in a real browser at 375 px', () => {
  it('the header counts open alerts; the alerts page passes axe-core, fits the width, and resolves with a note', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.type('input[name=username]', 'kanri');
    await page.type('input[name=password]', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(await page.$eval('.site-nav', (n) => (n as HTMLElement).innerText)).toContain('要対応（未対応2件）');
    await Promise.all([page.waitForNavigation(), page.click('a[href="/alerts?open=true"]')]);
    const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    expect(text).toContain('受注者に第1回変更の認証キーの提出を依頼してください');
    expect(text).toContain('JST');
    expect(await axeViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);

    const first = await page.$('.alert-item textarea');
    await first!.type('受注者に電話で依頼済み');
    await Promise.all([page.waitForNavigation(), page.click('.alert-item button[type=submit]')]);
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('対応済みにしました');
    expect(await page.$eval('.site-nav', (n) => (n as HTMLElement).innerText)).toContain('要対応（未対応1件）');
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${base}/alerts`);
    const all = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    expect(all).toContain('メモ：受注者に電話で依頼済み');
    expect(all.indexOf('未対応')).toBeLessThan(all.indexOf('対応済み（'));
    expect(await axeViolations(page)).toEqual([]);

    await receiver.waitFor((rs) => rs.filter((r) => r.answered === 'ok').length >= 2, 'both webhooks');
    await page.goto(`${base}/webhooks`);
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('送信済み');
    expect(await axeViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);

    await page.goto(`${base}/alerts?lang=en`);
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('Ask the contractor for the auth key of revision 1');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 120_000);

  it('loaded nothing from outside shosho', () => {
    expect(outside).toEqual([]);
  });
});
