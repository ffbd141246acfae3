import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import puppeteer from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoticePrinter, noticeHtml, type NoticeContent } from '../reference-issuer/index.js';
import { findChromium } from '../src/pdf/index.js';
import { createNoticeReader, linesOfPage, PdfTextPool, readPairs, withoutFontPrograms, type NoticeReader } from '../src/notices/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import {
  deepPdf,
  encryptedPdf,
  imageOnlyPdf,
  inflatingPdf,
  manyPagesPdf,
  noticeInBuiltInEncodingPdf,
  scriptedPdf,
  slowPdf,
  textPdf,
} from './helpers/notice-pdfs.js';

const notice = (i: number, over: Partial<NoticeContent> = {}): NoticeContent => ({
  number: String(2070004426 + i),
  authKey: `7KQ4-M2XD-9PR${i}`,
  kind: 'advance_payment',
  revisionType: 'new',
  projectName: '一般国道2号道路改良工事',
  contractor: '備後建設株式会社',
  obligee: '広島県知事',
  issuer: { name: '西日本建設業保証株式会社', office: '広島支店' },
  issuedOn: '2024-06-03',
  ...over,
});
const canonicalKey = (i: number) => `7KQ4M2XD9PR${i}`;
const file = (name: string, bytes: Uint8Array | Buffer) => ({ name, bytes: Uint8Array.from(bytes).buffer });
const who = { orgId: 'org-a', actor: 'clerk@org-a', client: '127.0.0.1' };
/** The reader's own deadline is 5 s; a problem must come well within "a few seconds" of it, even on a loaded machine. */
const PROMPT_MS = 10_000;

let db: TestDatabase;
let reader: NoticeReader;
let printer: NoticePrinter;

beforeAll(async () => {
  db = await createTestDatabase();
  reader = createNoticeReader({ sql: db.sql });
  printer = await NoticePrinter.open();
});
afterAll(async () => {
  await printer?.close();
  await reader?.close();
  await db?.drop();
});

describe('reference notice layouts', () => {
  it('table layout like 西日本建設業保証: label cell beside value cell', async () => {
    const pdf = await printer.print([notice(0, { kind: 'interim_advance_payment', revisionType: 'change' })], { layout: 'table' });
    const r = await reader.read({ files: [file('table.pdf', pdf)] }, who);
    expect(r.problems).toEqual([]);
    expect(r.items).toEqual([
      {
        source: 'table.pdf p.1',
        number: '2070004426',
        authKey: canonicalKey(0),
        kind: 'interim_advance_payment',
        revisionType: 'change',
        projectName: '一般国道2号道路改良工事',
        numberLabel: 'contract',
      },
    ]);
  });

  it('label-colon lines, an insurer notice (証券番号 / 閲覧用パスワード)', async () => {
    const pdf = await printer.print([notice(1, { kind: 'performance_bond', number: 'TK2024000123', revisionType: 'correction' })], { layout: 'lines' });
    const r = await reader.read({ files: [file('lines.pdf', pdf)] }, who);
    expect(r.items).toMatchObject([
      {
        source: 'lines.pdf p.1',
        number: 'TK2024000123',
        authKey: canonicalKey(1),
        kind: 'performance_bond',
        revisionType: 'correction',
        numberLabel: 'policy',
      },
    ]);
  });

  it('one notice per page, and two notices on one page, each with its own kind', async () => {
    const perPage = await printer.print([notice(2), notice(3, { kind: 'contract' })], { layout: 'lines', perPage: 1 });
    const twoOnOne = await printer.print([notice(4), notice(5, { kind: 'contract', revisionType: 'change' })], { layout: 'table', perPage: 2 });
    const r = await reader.read({ files: [file('pages.pdf', perPage), file('two.pdf', twoOnOne)] }, who);
    expect(r.problems).toEqual([]);
    expect(r.items.map((i) => [i.source, i.number, i.authKey, i.kind, i.revisionType])).toEqual([
      ['pages.pdf p.1', '2070004428', canonicalKey(2), 'advance_payment', 'new'],
      ['pages.pdf p.2', '2070004429', canonicalKey(3), 'contract', 'new'],
      ['two.pdf p.1', '2070004430', canonicalKey(4), 'advance_payment', 'new'],
      ['two.pdf p.1', '2070004431', canonicalKey(5), 'contract', 'change'],
    ]);
  });

  it('two notices side by side on one page (two columns), each with its own pair, kind and 区分, in both layouts', async () => {
    const notices = [
      notice(11),
      notice(12, { kind: 'contract', revisionType: 'change', projectName: '県道福山鞆線舗装補修工事' }),
      notice(13, { kind: 'performance_insurance', number: 'TK2024000124', revisionType: 'correction' }),
    ];
    for (const layout of ['table', 'lines'] as const) {
      const pdf = await printer.print(notices, { layout, sideBySide: true });
      const r = await reader.read({ files: [file(`side-${layout}.pdf`, pdf)] }, who);
      expect(r.problems).toEqual([]);
      expect(r.items.map((i) => [i.source, i.number, i.authKey, i.kind, i.revisionType, i.projectName])).toEqual([
        [`side-${layout}.pdf p.1`, '2070004437', canonicalKey(11), 'advance_payment', 'new', '一般国道2号道路改良工事'],
        [`side-${layout}.pdf p.1`, '2070004438', canonicalKey(12), 'contract', 'change', '県道福山鞆線舗装補修工事'],
        [`side-${layout}.pdf p.2`, 'TK2024000124', canonicalKey(13), 'performance_insurance', 'correction', '一般国道2号道路改良工事'],
      ]);
    }
  });

  it('the same pair in two files is listed once; reading is audited with the numbers and never a key', async () => {
    const pdf = await printer.print([notice(6)], { layout: 'table' });
    const r = await reader.read({ files: [file('a.pdf', pdf), file('copy of a.pdf', pdf)] }, { ...who, requestId: 'req-notice-audit' });
    expect(r.items.map((i) => i.source)).toEqual(['a.pdf p.1']);
    const entries = await db.sql`select action, outcome, detail::text as detail from audit_log where request_id = 'req-notice-audit' order by seq`;
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['notices.read', 'success'],
      ['notices.read', 'success'],
    ]);
    expect(entries[0]!.detail).toContain('2070004432');
    expect(entries[0]!.detail).toContain('a.pdf');
    for (const e of entries) expect(e.detail).not.toMatch(/7KQ4/);
    // a file named after its key is logged without its name
    await reader.read({ files: [file('2070004432 7KQ4-M2XD-9PR6.pdf', pdf)] }, { ...who, requestId: 'req-notice-named' });
    const [named] = await db.sql`select detail::text as detail from audit_log where request_id = 'req-notice-named'`;
    expect(named!.detail).toContain('2070004432');
    expect(named!.detail).not.toMatch(/7KQ4/);
  });
});

describe('a notice whose characters come from its embedded Type 1 program (no ToUnicode, no /Encoding)', () => {
  // Reading without a program that holds the font's built-in encoding reads other characters: from
  // code 1 no figures (no pair at all), from code 0x30 the digits and other letters (a wrong key).
  // Such programs stay in the copy the reader hands pdf.js, so the file reads as it prints.
  for (const firstCode of [1, 0x30] as const) {
    it(`reads the pair as printed when the built-in encoding starts at ${firstCode}`, async () => {
      const pdf = Uint8Array.from(noticeInBuiltInEncodingPdf('2070004450', '7KQ4-M2XD-9PRA', firstCode)).buffer;
      expect(withoutFontPrograms(pdf)).toBeNull();
      const r = await reader.read({ files: [{ name: 'figures.pdf', bytes: pdf }] }, who);
      expect(r.problems).toEqual([]);
      expect(r.items.map((i) => [i.source, i.number, i.authKey])).toEqual([['figures.pdf p.1', '2070004450', '7KQ4M2XD9PRA']]);
    });
  }

  it('pdf.js without that program reads other characters: what setting it aside would cost', async () => {
    const pdf = noticeInBuiltInEncodingPdf('2070004450', '7KQ4-M2XD-9PRA', 0x30);
    const withoutProgram = Buffer.from(pdf.toString('latin1').replace('/FontFile 9 0 R', '/SkipFont 9 0 R'), 'latin1');
    const pool = new PdfTextPool({ size: 1 });
    try {
      const text = await pool.extract(Uint8Array.from(withoutProgram).buffer);
      if (!text.ok) throw new Error(`the copy without the program is unreadable: ${text.code}`);
      const pairs = readPairs(text.pages.flatMap((runs, i) => linesOfPage(i + 1, runs)));
      expect(pairs.map((p) => p.authKey)).not.toContain('7KQ4M2XD9PRA');
    } finally {
      await pool.close();
    }
  });
});

describe('files that are no readable notice answer with a named problem', () => {
  const problemOf = async (name: string, bytes: Uint8Array | Buffer) => {
    const started = performance.now();
    const r = await reader.read({ files: [file(name, bytes)] }, who);
    const ms = performance.now() - started;
    expect(r.items).toEqual([]);
    expect(r.problems).toHaveLength(1);
    return { code: r.problems[0]!.code, source: r.problems[0]!.source, ms };
  };

  it('a scan (a picture of the notice, no text layer) → no_text', async () => {
    const browser = await puppeteer.launch({ executablePath: findChromium()!, headless: true, pipe: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.setContent(noticeHtml([notice(7)], { layout: 'table' }));
      const png = await page.screenshot({ type: 'png' });
      expect(await problemOf('scan.pdf', await imageOnlyPdf(png))).toMatchObject({ code: 'no_text', source: 'scan.pdf' });
    } finally {
      await browser.close();
    }
  });

  it('an encrypted PDF → encrypted', async () => {
    expect((await problemOf('locked.pdf', encryptedPdf())).code).toBe('encrypted');
  });

  it('not a PDF → not_pdf; over 5 MiB → too_large', async () => {
    expect((await problemOf('notice.docx', Buffer.from('PK\x03\x04 not a pdf at all'))).code).toBe('not_pdf');
    expect((await problemOf('big.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5 * 1024 * 1024)]))).code).toBe('too_large');
  });

  it('text but no number and key → no_pair', async () => {
    expect((await problemOf('letter.pdf', textPdf('Dear customer, thank you.'))).code).toBe('no_pair');
  });

  it('a truncated notice → a problem, promptly', async () => {
    const pdf = await printer.print([notice(8)], { layout: 'table' });
    const r = await problemOf('cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 3)));
    expect(['unreadable', 'no_text', 'no_pair']).toContain(r.code);
    expect(r.ms).toBeLessThan(PROMPT_MS);
  });

  it('a PDF bomb of 5000 pages → too_large, promptly', async () => {
    const r = await problemOf('pages.pdf', await manyPagesPdf(5000));
    expect(r.code).toBe('too_large');
    expect(r.ms).toBeLessThan(PROMPT_MS);
  });

  it('a stream inflating to 512 MiB → too_large, promptly, and the next file still reads', async () => {
    const r = await problemOf('bomb.pdf', inflatingPdf(512));
    expect(r.code).toBe('too_large');
    expect(r.ms).toBeLessThan(PROMPT_MS);
    const ok = await reader.read({ files: [file('after.pdf', await printer.print([notice(9)], { layout: 'lines' }))] }, who);
    expect(ok.items.map((i) => i.number)).toEqual(['2070004435']);
  });

  it('objects nested 100 000 deep and a broken xref → a problem or the text, never a hang', async () => {
    const deep = await problemOf('deep.pdf', deepPdf(100_000));
    expect(['unreadable', 'no_pair']).toContain(deep.code);
    const broken = textPdf('nothing here');
    broken.write('9999999999', broken.indexOf('xref') + 'xref\n0 6\n'.length + 20, 'latin1');
    expect((await problemOf('xref.pdf', broken)).code).toBe('no_pair');
  });

  it('closing the pool answers the files it was reading (a service stopping never leaves a request hanging)', async () => {
    const pool = new PdfTextPool({ size: 1 });
    expect((await pool.extract(Uint8Array.from(textPdf('ready')).buffer)).ok).toBe(true); // the worker is up
    const reading = [pool.extract(Uint8Array.from(textPdf('one')).buffer), pool.extract(Uint8Array.from(textPdf('two')).buffer)];
    await new Promise((resolve) => setImmediate(resolve)); // the first is posted to the worker, the second waits
    await pool.close();
    expect(await Promise.all(reading)).toEqual([
      { ok: false, code: 'unreadable' },
      { ok: false, code: 'unreadable' },
    ]);
  });

  it('a notice with a script, an open action and an embedded file is read; nothing runs and nothing is fetched', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const pdf = await scriptedPdf(await printer.print([notice(10)], { layout: 'table' }), url);
      const r = await reader.read({ files: [file('scripted.pdf', pdf)] }, who);
      expect(r.items.map((i) => i.authKey)).toEqual([canonicalKey(10)]);
      expect(calls).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('one request is read within its own time bound, all its files together', () => {
  // each file runs to the per-file deadline (10 pages of 100,000 text runs each): 20 of them on two
  // workers would take 20 × 5 s / 2 = 50 s without the request's bound
  const hostile = slowPdf(10, 100_000);
  const drop = (n: number) => Array.from({ length: n }, (_, i) => file(`slow-${i}.pdf`, hostile));

  it('20 files that each run past the deadline: the answer comes by the bound, each file named with a problem, never a throw', async () => {
    const bounded = createNoticeReader({ sql: db.sql, pool: { size: 2 }, requestDeadlineMs: 5000 });
    try {
      const started = performance.now();
      const r = await bounded.read({ files: drop(20), text: '保証契約番号：2080005678\n認証キー：QW12-ER34-TY' }, { ...who, requestId: 'req-notice-bound' });
      const ms = performance.now() - started;
      expect(r.items.map((i) => i.source)).toEqual(['text']); // pasted text needs no worker
      expect(r.problems.map((p) => p.source)).toEqual(drop(20).map((f) => f.name));
      // the first file of each worker may reach its own deadline (5 s) as the request's runs out; the rest did not start
      for (const p of r.problems) expect(['too_large', 'timeout']).toContain(p.code);
      expect(r.problems.filter((p) => p.code === 'timeout').length).toBeGreaterThanOrEqual(18);
      expect(ms).toBeLessThan(PROMPT_MS);
      const entries = await db.sql`select outcome from audit_log where request_id = 'req-notice-bound' order by seq`;
      expect(entries.map((e) => e.outcome).sort()).toEqual([...r.problems.map((p) => p.code), 'success'].sort());
      // the pool is whole afterwards: the next request reads
      const next = await bounded.read({ files: [file('after.pdf', await printer.print([notice(14)], { layout: 'table' }))] }, who);
      expect(next.items.map((i) => i.number)).toEqual(['2070004440']);
    } finally {
      await bounded.close();
    }
  });

  it("another request's notice is read while a hostile drop still runs: workers take turns between requests", async () => {
    // a notice read by a worker started a moment before takes seconds on a loaded machine (load 30 on 2 cores)
    const bounded = createNoticeReader({ sql: db.sql, pool: { size: 2, deadlineMs: 10_000 }, requestDeadlineMs: 300_000 });
    try {
      let dropAnswered = false;
      const hostileDrop = bounded.read({ files: drop(20) }, who).then((r) => {
        dropAnswered = true;
        return r;
      });
      const pdf = await printer.print([notice(15)], { layout: 'lines' });
      const clerk = await bounded.read({ files: [file('clerk.pdf', pdf)] }, who);
      expect({ problems: clerk.problems, numbers: clerk.items.map((i) => i.number) }).toEqual({ problems: [], numbers: ['2070004441'] });
      expect(dropAnswered).toBe(false);
      await bounded.close(); // answers the rest of the drop: the service stopping
      expect((await hostileDrop).problems).toHaveLength(20);
    } finally {
      await bounded.close();
    }
  });
});
