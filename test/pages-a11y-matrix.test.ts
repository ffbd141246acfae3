// Issue 13: two accessibility engines — axe-core and pa11y's HTML_CodeSniffer (WCAG 2 AA) — over every
// page state, in Japanese and English, at 1280 px and 375 px, on the real service in Debian's Chromium.
// A screenshot of each state goes to test-output/a11y/ (git-ignored) for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, WITHDRAWN_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { axeViolations, launchTestBrowser, openPage, pa11yErrors, signInThroughForm } from './helpers/browser.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { ASHIDA } from './helpers/ledger.js';
import { seedOrganisation } from './helpers/seed.js';

const SCREENSHOTS = path.resolve('test-output/a11y');

let fx: ServiceFixture;
let issuer: ReferenceIssuer;
let base: string;
let browser: Browser;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };
const ids: Record<'current' | 'superseded' | 'withdrawn', string> = { current: '', superseded: '', withdrawn: '' };
let archiveId = '';
const outside: string[] = [];

async function push(payload: object, event = CERTIFICATE_EVENT) {
  expect((await issuer.push(`${base}/sets`, (await issuer.sign(event, payload)).token)).status).toBe(202);
}

async function unlock(number: string, authKey: string): Promise<string> {
  const r = await apiCall(base, hiroshima.token, 'POST', '/api/v1/lookup', { number, authKey });
  expect(r.status).toBe(200);
  return r.json.id as string;
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ issuer, base } = fx);
  hiroshima = await seedOrganisation(fx.db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'kansa', role: 'admin' },
  ]);
  okayama = await seedOrganisation(fx.db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'sato', role: 'clerk' }]);
  await push(await certificate('2070004426', 'QW12ER34TY56'));
  const rev0 = await certificate('2070005555', 'RE00VI00SI00', 'advance_payment', 3);
  await push(rev0);
  await push(changeRevision(rev0, 1, await digestFor('RE11VI11SI11'), '2024-09-02'));
  await push(await certificate('2070006666', 'WI00TH00DR00', 'advance_payment', 4));
  await push({ number: '2070006666', kind: 'advance_payment', revision: 0, reason: 'cancelled', withdrawnOn: '2024-11-01' }, WITHDRAWN_EVENT);
  ids.current = await unlock('2070004426', 'QW12ER34TY56');
  ids.superseded = await unlock('2070005555', 'RE00VI00SI00');
  await unlock('2070005555', 'RE11VI11SI11');
  ids.withdrawn = await unlock('2070006666', 'WI00TH00DR00');
  // filed without making a PDF (the pages read none), so a busy PDF pool on a loaded machine cannot fail the setup
  const [filed] = await fx.db.sql<[{ id: string }]>`
    insert into archive_records (org_id, revision_id, pdf, pdf_sha256, jws_sha256, archived_by, status_when_archived, reference, memo, issuer_id, number,
                                 kind, revision, revision_type, project_name, contractor, obligee, search_text)
    select 'hiroshima', r.id, '\\x00', repeat('0', 64), encode(sha256(s.jws::bytea), 'hex'), 'tanaka', 'current', '広島-2024-001', '第1工区', r.issuer_id, r.number,
           r.kind, r.revision, r.revision_type, r.payload->'project'->>'name', r.payload->'contractor'->>'name', r.obligee_name, r.number
    from certificate_revisions r join received_sets s on s.id = r.set_id where r.id = ${ids.current}
    returning id`;
  archiveId = filed.id;
  expect((await apiCall(base, hiroshima.token, 'PUT', '/api/v1/contracts/FK-2024-001', ASHIDA)).status).toBeLessThan(300);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchTestBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

type Lang = 'ja' | 'en';
type Who = 'tanaka' | 'kansa' | 'sato' | null;

/** A page in its own browser context, in `lang`, signed in as `who` (null: not signed in). */
async function pageFor(who: Who, lang: Lang, width: number): Promise<Page> {
  const page = await openPage(browser, base, outside, { width, height: 900 });
  await page.goto(`${base}/login?lang=${lang}`);
  if (who) await signInThroughForm(page, base, who, who === 'sato' ? okayama.password : hiroshima.password);
  return page;
}

async function submitAndWait(page: Page, selector: string) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response!;
}

/** Each page state: who sees it and how to get there; `status` is the HTTP status it answers with. */
const STATES: Array<{ name: string; who: Who; status: number; reach: (page: Page) => Promise<unknown> }> = [
  { name: 'login', who: null, status: 200, reach: (p) => p.goto(`${base}/login`) },
  {
    name: 'login-error',
    who: null,
    status: 401,
    reach: async (p) => {
      await p.goto(`${base}/login`);
      await p.type('input[name=username]', 'tanaka');
      await p.type('input[name=password]', 'not the password');
      return submitAndWait(p, 'main form button[type=submit]');
    },
  },
  { name: 'home', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/`) },
  {
    name: 'lookup-error',
    who: 'tanaka',
    status: 422,
    reach: async (p) => {
      await p.goto(`${base}/`);
      await p.type('input[name=number]', '12');
      await p.type('input[name=authKey]', 'QW12ER34TY56');
      return submitAndWait(p, 'form[action="/lookup"] button[type=submit]');
    },
  },
  { name: 'certificate-current', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/certificates/${ids.current}`) },
  { name: 'certificate-superseded', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/certificates/${ids.superseded}`) },
  { name: 'certificate-withdrawn', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/certificates/${ids.withdrawn}`) },
  { name: 'archive', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/archive`) },
  { name: 'archive-record', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/archive/${archiveId}`) },
  { name: 'archive-empty', who: 'sato', status: 200, reach: (p) => p.goto(`${base}/archive`) },
  { name: 'archive-error', who: 'tanaka', status: 422, reach: (p) => p.goto(`${base}/archive?from=2024%2F2%2F30&kind=bond`) },
  { name: 'audit', who: 'kansa', status: 200, reach: (p) => p.goto(`${base}/audit`) },
  { name: 'audit-verify', who: 'kansa', status: 200, reach: (p) => p.goto(`${base}/audit/verify`) },
  { name: 'contracts', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/contracts`) },
  { name: 'contract', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/contracts/FK-2024-001`) },
  { name: 'alerts', who: 'tanaka', status: 200, reach: (p) => p.goto(`${base}/alerts`) },
  {
    name: 'notices',
    who: 'tanaka',
    status: 200,
    reach: async (p) => {
      await p.goto(`${base}/`);
      await p.type('textarea[name=text]', '保証契約番号 2070004426\n認証キー QW12ER34TY56\n');
      return submitAndWait(p, 'form[action="/notices"] button[type=submit]');
    },
  },
  {
    name: 'batch-results',
    who: 'tanaka',
    status: 200,
    reach: async (p) => {
      await p.goto(`${base}/`);
      await p.type('textarea[name=text]', '保証契約番号 2070004426\n認証キー QW12ER34TY56\n');
      await submitAndWait(p, 'form[action="/notices"] button[type=submit]');
      return submitAndWait(p, 'form[action="/lookup/batch"] button[type=submit]');
    },
  },
  { name: 'not-found', who: 'tanaka', status: 404, reach: (p) => p.goto(`${base}/no-such-page`) },
];

describe.each([
  ['ja', 1280],
  ['en', 1280],
  ['ja', 375],
  ['en', 375],
] as Array<[Lang, number]>)('every page state in %s at %i px', (lang, width) => {
  it('is clean for axe-core and for pa11y (HTML_CodeSniffer, WCAG 2 AA)', async () => {
    const problems: string[] = [];
    const pages = new Map<Who, Page>();
    for (const state of STATES) {
      if (!pages.has(state.who)) pages.set(state.who, await pageFor(state.who, lang, width));
      const page = pages.get(state.who)!;
      const response = (await state.reach(page)) as { status(): number } | null;
      expect(response?.status(), state.name).toBe(state.status);
      expect(await page.$eval('html', (h) => h.lang), state.name).toBe(lang);
      for (const v of await axeViolations(page)) problems.push(`${state.name} axe ${v}`);
      for (const e of await pa11yErrors(browser, page)) problems.push(`${state.name} pa11y ${e}`);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${state.name}-${lang}-${width}.png`), fullPage: true });
    }
    for (const page of pages.values()) await page.browserContext().close();
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  }, 900_000);
});
