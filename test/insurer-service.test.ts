import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, jwks, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage, signInThroughForm } from './helpers/browser.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, registeredIssuer } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebClient } from './helpers/web-client.js';

const INSURER_NAME = '東京海上日動火災保険株式会社';
const BOND = 'PB2025000123456';
const POLICY = 'TK0012AB34';
const BOND_KEY = 'BQ7M-4KXD-9PRA';
const POLICY_KEY = 'PW5N-8HTC-3LZE';
const GUARANTEE = '2070004426';
const GUARANTEE_KEY = 'QW12-ER34-TY56';

let fx: ServiceFixture;
let db: TestDatabase;
let insurer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let tmp: string;
const api = (method: string, p: string, body?: unknown) => apiCall(base, hiroshima.token, method, p, body);

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, base } = fx);
  insurer = await registeredIssuer(db.sql, 'tokiomarine', 'EdDSA', INSURER_NAME);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
  const push = async (by: ReferenceIssuer, payload: unknown) =>
    expect((await by.push(`${base}/sets`, (await by.sign(CERTIFICATE_EVENT, payload)).token)).status).toBe(202);
  await push(insurer, await certificate(BOND, BOND_KEY, 'performance_bond', 0));
  await push(insurer, await certificate(POLICY, POLICY_KEY, 'performance_insurance', 1));
  await push(fx.issuer, await certificate(GUARANTEE, GUARANTEE_KEY, 'contract', 2));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-insurer-'));
});
afterAll(async () => {
  await insurer?.close();
  await fx?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("looking up an insurer's 証券番号 and 閲覧用パスワード (real HTTP)", () => {
  it.each([
    ['lower case with dashes', 'pb-2025-000123456', 'bq7m-4kxd-9pra'],
    ['full-width with a long-vowel dash and spaces', 'ＰＢ２０２５ー０００１２３　４５６', 'ＢＱ７Ｍ　４ＫＸＤ　９ＰＲＡ'],
    ['mixed, with a minus sign', 'Pb2025−000123456', 'BQ7M4KXD9PRA'],
  ])('the API finds the bond typed %s', async (_how, number, authKey) => {
    const res = await api('POST', '/api/v1/lookup', { number, authKey });
    expect(res.status, res.text).toBe(200);
    expect(res.json.certificate).toMatchObject({ number: BOND, kind: 'performance_bond', guarantor: { name: INSURER_NAME } });
    expect(res.json.certificate.guarantee.advancePayment).toBeUndefined();
    expect(res.json.issuer).toMatchObject({ id: 'tokiomarine', name: INSURER_NAME });
    expect(res.json.form.ja).toEqual({
      title: '公共工事履行保証証券',
      number: '証券番号',
      guarantor: '保証人',
      obligee: '債権者',
      contractor: '主たる債務者',
      amount: '保証金額',
      period: '保証期間',
    });
    expect(res.json.form.en.title).toBe('Public Works Performance Bond');
  });

  it('the API speaks of the policy in its own words; a 10-digit 保証契約番号 works as before', async () => {
    const policy = await api('POST', '/api/v1/lookup', { number: 'tk-0012-ab34', authKey: POLICY_KEY.toLowerCase() });
    expect(policy.status).toBe(200);
    expect(policy.json.form.ja).toEqual({
      title: '履行保証保険証券',
      number: '証券番号',
      guarantor: '保険者',
      obligee: '被保険者',
      contractor: '保険契約者',
      amount: '保険金額',
      period: '保険期間',
    });
    expect(policy.json.form.en).toMatchObject({ guarantor: 'Insurer', obligee: 'Insured', contractor: 'Policyholder', amount: 'Sum insured' });
    const guarantee = await api('POST', '/api/v1/lookup', { number: '２０７０ー００４４２６', authKey: GUARANTEE_KEY });
    expect(guarantee.status).toBe(200);
    expect(guarantee.json.form.ja).toMatchObject({ title: '契約保証証書', number: '保証契約番号', guarantor: '保証人', obligee: '保証債権者' });
  });

  it('a malformed number is 422 naming both numbers, a wrong password 404, and the audit log holds the canonical 証券番号', async () => {
    const malformed = await api('POST', '/api/v1/lookup', { number: 'pb-12', authKey: BOND_KEY });
    expect(malformed.status).toBe(422);
    expect(malformed.json.error.code).toBe('malformed_number');
    expect(malformed.json.error.message).toContain('証券番号');
    const wrong = await api('POST', '/api/v1/lookup', { number: 'pb-2025-000123456', authKey: 'WRONG-KEY-1234' });
    expect(wrong.status).toBe(404);
    const unknown = await api('POST', '/api/v1/lookup', { number: 'pb-2025-000999999', authKey: 'WRONG-KEY-1234' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual(wrong.json.error);
    const entries = await db.sql<{ outcome: string }[]>`select outcome from audit_log where action = 'lookup' and number = ${BOND} order by seq`;
    expect(entries.map((e) => e.outcome)).toEqual(['success', 'success', 'success', 'failure']);
  });

  it('the lookup page asks for either number and either key, and shows the bond as its paper form', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const form = await web.get('/');
    for (const words of ['保証契約番号または証券番号', '認証キーまたは閲覧用パスワード']) expect(form.text).toContain(words);
    const res = await web.post('/lookup', { number: 'ｐｂ-2025-000123456', authKey: 'bq7m 4kxd 9pra' });
    expect(res.status).toBe(303);
    const page = await web.get(res.headers.get('location')!);
    for (const words of [
      '公共工事履行保証証券（証券番号 PB2025000123456）',
      '保証人（損害保険会社）',
      INSURER_NAME,
      '債権者',
      '主たる債務者',
      '保証金額',
      '保証期間',
    ]) {
      expect(page.text).toContain(words);
    }
    expect(page.text).not.toContain('保証債権者');
    const malformed = await web.post('/lookup', { number: 'pb_2025', authKey: BOND_KEY });
    expect(malformed.status).toBe(422);
    expect(malformed.text).toContain('証券番号は英数字6〜20文字');
  });
});

describe("filing, searching and exporting an insurer's 証券", () => {
  let bondId: string;

  it('files the bond and finds it by its 証券番号 typed in lower case with dashes, and by kind', async () => {
    bondId = (await api('POST', '/api/v1/lookup', { number: BOND, authKey: BOND_KEY })).json.id;
    const policyId = (await api('POST', '/api/v1/lookup', { number: POLICY, authKey: POLICY_KEY })).json.id;
    expect((await api('POST', `/api/v1/certificates/${bondId}/archive`, { reference: '福土第45号' })).status).toBe(201);
    expect((await api('POST', `/api/v1/certificates/${policyId}/archive`, {})).status).toBe(201);
    const numbers = async (query: string) => ((await api('GET', `/api/v1/archive?${query}`)).json.items as Array<{ number: string }>).map((i) => i.number);
    expect(await numbers(`q=${encodeURIComponent('pb-2025-000123')}`)).toEqual([BOND]);
    expect(await numbers(`q=${encodeURIComponent('ｔｋ００１２')}`)).toEqual([POLICY]);
    expect(await numbers('kind=performance_insurance')).toEqual([POLICY]);
  });

  it('the archive page filters by either kind, and the CSV names the form and the 証券番号', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const list = await web.get('/archive?kind=performance_bond');
    expect(list.status).toBe(200);
    expect(list.text).toMatch(/<option value="performance_bond" selected>公共工事履行保証証券<\/option>/);
    expect(list.text).toContain('<option value="performance_insurance">履行保証保険証券</option>');
    expect(list.text).toContain(BOND);
    expect(list.text).not.toContain(POLICY);
    const csv = await web.get('/archive.csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('"保証契約番号・証券番号"');
    expect(csv.text).toMatch(new RegExp(`"${BOND}","公共工事履行保証証券"`));
    expect(csv.text).toMatch(new RegExp(`"${POLICY}","履行保証保険"`));
  });

  it("the PDF holds the form's title, the insurer and its words, in its text, footer and metadata; `shosho verify` accepts it offline", async () => {
    const res = await api('GET', `/api/v1/certificates/${bondId}/pdf`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdfPath = path.join(tmp, 'bond.pdf');
    fs.writeFileSync(pdfPath, res.buf);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString();
    for (const words of ['公共工事履行保証証券', INSURER_NAME, '保証人（損害保険会社）', '債権者', '主たる債務者', `証券番号 ${BOND}`])
      expect(text).toContain(words);
    expect(text).not.toContain('保証契約番号');
    const info = execFileSync('pdfinfo', [pdfPath]).toString();
    expect(info).toMatch(new RegExp(`^Title:\\s+公共工事履行保証証券 ${BOND}$`, 'm'));
    expect(info).toMatch(new RegExp(`^Author:\\s+${INSURER_NAME}$`, 'm'));

    const jwksFile = path.join(tmp, 'insurer-jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify(jwks(insurer.keys)));
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/shosho.js', 'verify', pdfPath, '--jwks', jwksFile, '--json'], {
      env,
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toMatchObject({ result: 'passed', subject: { number: BOND, kind: 'performance_bond', issuer: insurer.iss } });
  });

  it("the policy's PDF says 保険者, 被保険者, 保険金額 and 保険期間", async () => {
    const policyId = (await api('POST', '/api/v1/lookup', { number: POLICY, authKey: POLICY_KEY })).json.id;
    const res = await api('GET', `/api/v1/certificates/${policyId}/pdf`);
    const pdfPath = path.join(tmp, 'policy.pdf');
    fs.writeFileSync(pdfPath, res.buf);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString();
    for (const words of ['履行保証保険証券', INSURER_NAME, '保険者（損害保険会社）', '被保険者', '保険契約者', '保険金額', '保険期間', `証券番号 ${POLICY}`])
      expect(text).toContain(words);
  });
});

describe("an insurer's 証券 in a real browser (Debian Chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchTestBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a clerk types the 証券番号 as printed, sees the 履行保証保険証券, and axe-core finds nothing, in Japanese, English and at 375 px', async () => {
    const outside: string[] = [];
    const page = await openPage(browser, base, outside);
    await signInThroughForm(page, base, 'tanaka', hiroshima.password);
    await page.type('input[name=number]', 'ｔｋ－００１２－ａｂ３４');
    await page.type('input[name=authKey]', 'pw5n-8htc-3lze');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toMatch(/\/certificates\/[0-9a-f-]{36}$/);
    const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    for (const words of ['履行保証保険証券', POLICY, INSURER_NAME, '保険者（損害保険会社）', '被保険者', '保険契約者', '保険金額', '保険期間', 'JST'])
      expect(text).toContain(words);
    expect(text).toMatch(/金[0-9]{1,3}(,[0-9]{3})+円/);
    expect(await axeViolations(page)).toEqual([]);

    await page.setViewport({ width: 375, height: 800 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${page.url()}?lang=en`);
    const english = await page.$eval('main', (m) => (m as HTMLElement).innerText);
    for (const words of ['Performance Guarantee Insurance Policy', 'Insured', 'Policyholder', 'Sum insured']) expect(english).toContain(words);
    expect(await axeViolations(page)).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });
});
