import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../reference-issuer/index.js';
import { findChromium } from '../src/pdf/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { WebClient } from './helpers/web-client.js';

let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let org: { password: string; token: string };
let browser: Browser;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-long-text-'));

/** 145 characters with no space or hyphen a line could break at. */
const URL_145 = `https://www.pref.hiroshima.lg.jp/soshiki/doboku/keiyaku/tokkijiko/${'r6nendo_douro_kairyo_koji_'.repeat(3)}`.padEnd(145, 'x');
/**
 * Unbroken strings as long as the SET allows each field (SPEC §2 payload limits), each of a letter
 * found nowhere else on the page, so the PDF's text can be counted letter by letter whatever the
 * reading order of its lines.
 */
const MAX = {
  project: 'Q'.repeat(400),
  location: 'Z'.repeat(400),
  contractor: 'K'.repeat(200),
  address: 'V'.repeat(400),
  representative: 'Y'.repeat(200),
  guarantor: 'U'.repeat(200),
  notes: `特約事項 ${'X'.repeat(1500)}\n${URL_145}\n${'あ'.repeat(1000)}${'W'.repeat(1000)}`,
};
type Payload = Awaited<ReturnType<typeof certificate>>;
const CASES: Array<{ title: string; number: string; over: (c: Payload) => object; urls: string[]; letters: Record<string, number> }> = [
  {
    title: 'a 145-character URL in 特約事項',
    number: '2080005001',
    over: (c) => ({ ...c, notes: `工事の特約は次のとおり ${URL_145}` }),
    urls: [URL_145],
    letters: {},
  },
  {
    title: 'every text field at its maximum length, unbroken',
    number: '2080005002',
    over: (c) => ({
      ...c,
      guarantor: { ...c.guarantor, name: MAX.guarantor },
      contractor: { name: MAX.contractor, address: MAX.address, representative: MAX.representative },
      project: { ...c.project, name: MAX.project, location: MAX.location },
      notes: MAX.notes,
    }),
    urls: [URL_145],
    letters: { Q: 400, Z: 400, K: 200, V: 400, Y: 200, U: 200, X: 1500, W: 1000, あ: 1000 },
  },
];
const ids = new Map<string, string>();
const archiveIds = new Map<string, string>();

const api = (method: string, p: string, body?: unknown) => apiCall(base, org.token, method, p, body);

async function file(number: string, over: (c: Payload) => object) {
  const s = await issuer.sign(CERTIFICATE_EVENT, over(await certificate(number, 'LO12NG34')));
  const pushed = await issuer.push(`${base}/sets`, s.token);
  expect(pushed.status).toBe(202);
  const r = await api('POST', '/api/v1/lookup', { number, authKey: 'LO12NG34' });
  expect(r.status).toBe(200);
  return r.json.id as string;
}

/** Every word pdftotext finds, with its box, and the page sizes. */
function pdfWords(pdf: Buffer) {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const pages = [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map((m) => ({
    width: Number(m[1]),
    words: [...m[3]!.matchAll(/<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)" yMax="[\d.-]+">([^<]*)<\/word>/g)].map((w) => ({
      xMin: Number(w[1]),
      xMax: Number(w[2]),
      text: w[3]!,
    })),
  }));
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // the page's body without its footer (the bottom 18 mm margin of A4), so a value broken across
  // pages reads on; the labels' column interleaves with a wrapped value's lines: keep the value's characters only
  const body = execFileSync('pdftotext', ['-x', '0', '-y', '0', '-W', '595', '-H', '790', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { pages, text, ascii: body.replace(/[^\x21-\x7e]/g, '') };
}

beforeAll(async () => {
  fx = await serviceWithIssuer();
  ({ db, issuer, base } = fx);
  org = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [{ username: 'tanaka', role: 'clerk' }]);
  browser = await puppeteer.launch({
    executablePath: findChromium() ?? undefined,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
  for (const c of CASES) {
    const id = await file(c.number, c.over);
    // filed with a reference and memo as long as they may be, unbroken
    const filed = await api('POST', `/api/v1/certificates/${id}/archive`, { reference: 'J'.repeat(200), memo: `${URL_145}\n${'O'.repeat(1800)}` });
    expect(filed.status).toBe(201);
    ids.set(c.number, id);
    archiveIds.set(c.number, filed.json.id);
  }
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('long unbroken text wraps: the whole signed content is printed and shown', () => {
  it.each(CASES)('PDF: $title stays inside the page and is printed whole', async ({ number, urls, letters }) => {
    const res = await api('GET', `/api/v1/certificates/${ids.get(number)}/pdf`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const { pages, text, ascii } = pdfWords(res.buf);
    for (const page of pages) {
      for (const word of page.words) {
        expect(word.xMin, word.text).toBeGreaterThanOrEqual(0);
        expect(word.xMax, word.text).toBeLessThanOrEqual(page.width);
      }
    }
    for (const url of urls) expect(ascii).toContain(url);
    expect(text, 'the obligee code, signed like the rest').toContain('340006');
    for (const [letter, count] of Object.entries(letters)) expect(text.split(letter).length - 1, letter).toBe(count);
  });

  it.each(CASES)('pages at 375 px and at desktop width: $title makes nothing wider than the screen', async ({ number }) => {
    const web = new WebClient(base);
    await web.login('tanaka', org.password);
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setCookie(...[...web.cookies].map(([name, value]) => ({ name, value, url: base })));
    for (const [path, width, lang] of [`/certificates/${ids.get(number)}`, `/archive/${archiveIds.get(number)}`].flatMap(
      (p) =>
        [
          [p, 375, 'ja'],
          [p, 375, 'en'],
          [p, 1280, 'ja'],
        ] as const,
    )) {
      await page.setViewport({ width, height: 800 });
      await page.goto(`${base}${path}?lang=${lang}`);
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        cells: Array.from(document.querySelectorAll('.sheet *, .facts *'))
          .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
          .map((e) => `${e.tagName}.${e.className} ${e.scrollWidth}/${e.clientWidth}`),
      }));
      expect(overflow, `${path} at ${width} px, ${lang}`).toEqual({ page: 0, cells: [] });
    }
    await page.close();
  });
});
