/**
 * Key notices: notices read per second for a one-page notice, and the time for a 20-file drop,
 * (a) reading alone — font programs set aside, the worker pool, text positions to lines, lines to
 * pairs — and (b) through createNoticeReader().read, which also commits one audit entry per file,
 * against pdf.js's raw text extraction of the same files in this process (getDocument +
 * getTextContent of every page, nothing else), in the same run. Target: ≥ 80% of raw. Also shown:
 * raw pdf.js on the files without their font programs, the same pdf.js work the reader asks for.
 *
 *   node --import tsx bench/notices.ts          (BENCH_NOTICES_SECONDS=10 BENCH_NOTICES_DROPS=3)
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { NoticePrinter, type NoticeContent } from '../reference-issuer/index.js';
import { createNoticeReader, linesOfPage, PdfTextPool, readPairs, withoutFontPrograms } from '../src/notices/index.js';
import { main, onCleanup } from './lib/cleanup.js';
import { createBenchDatabase } from './lib/db.js';
import { busyness, loadavg, machine } from './lib/machine.js';

const SECONDS = Number(process.env.BENCH_NOTICES_SECONDS ?? 10);
const DROPS = Number(process.env.BENCH_NOTICES_DROPS ?? 3);

const notice = (i: number): NoticeContent => ({
  number: String(2070004426 + i),
  authKey: `7KQ4-M2XD-${String(1000 + i)}`,
  kind: i % 2 ? 'contract' : 'advance_payment',
  revisionType: 'new',
  projectName: '一般国道2号道路改良工事',
  contractor: '備後建設株式会社',
  obligee: '広島県知事',
  issuer: { name: '西日本建設業保証株式会社', office: '広島支店' },
  issuedOn: '2024-06-03',
});

/** pdf.js alone, with the reader's own options: the text of every page. */
async function rawText(bytes: Uint8Array): Promise<number> {
  const task = getDocument({
    data: bytes.slice(),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
  });
  const doc = await task.promise;
  let items = 0;
  for (let n = 1; n <= doc.numPages; n++) items += (await (await doc.getPage(n)).getTextContent()).items.length;
  await task.destroy();
  return items;
}

async function rate(seconds: number, work: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await work();
    done++;
  }
  return (done / (performance.now() - t0)) * 1000;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

main(
  async () => {
    const db = await createBenchDatabase('notices');
    onCleanup(() => db.drop());
    const printer = await NoticePrinter.open();
    const one = await printer.print([notice(0)], { layout: 'table' });
    const drop: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) drop.push(await printer.print([notice(i + 1)], { layout: i % 2 ? 'lines' : 'table' }));
    await printer.close();
    const reader = createNoticeReader({ sql: db.sql });
    onCleanup(() => reader.close());
    const who = { orgId: 'bench', actor: 'bench', client: '127.0.0.1' };
    const read = (files: Uint8Array[]) => reader.read({ files: files.map((b, i) => ({ name: `n${i}.pdf`, bytes: b.slice().buffer })) }, who);
    const pool = new PdfTextPool();
    onCleanup(() => pool.close());
    const lean = (b: Uint8Array) => new Uint8Array(withoutFontPrograms(b.slice().buffer) ?? b.slice().buffer);
    const readOnly = (files: Uint8Array[]) =>
      Promise.all(
        files.map(async (b) => {
          const text = await pool.extract(lean(b).buffer);
          if (!text.ok || readPairs(text.pages.flatMap((runs, i) => linesOfPage(i + 1, runs))).length !== 1) throw new Error('the notice did not read back');
        }),
      );

    // warm both: the workers and pdf.js in this process
    const check = await read([one]);
    if (check.items.length !== 1) throw new Error(`the notice did not read back: ${JSON.stringify(check)}`);
    await rawText(one);
    await readOnly([one]);
    const leanOne = lean(one);
    const leanDrop = drop.map(lean);
    await rawText(leanOne);

    const load0 = loadavg();
    const rawRate = await rate(SECONDS, () => rawText(one));
    const ourRate = await rate(SECONDS, () => read([one]));
    const onlyRate = await rate(SECONDS, () => readOnly([one]));
    const leanRate = await rate(SECONDS, () => rawText(leanOne));
    const rawDrop: number[] = [];
    const leanDropMs: number[] = [];
    const ourDrop: number[] = [];
    const onlyDrop: number[] = [];
    for (let d = 0; d < DROPS; d++) {
      rawDrop.push(
        await timed(async () => {
          for (const f of drop) await rawText(f);
        }),
      );
      leanDropMs.push(
        await timed(async () => {
          for (const f of leanDrop) await rawText(f);
        }),
      );
      onlyDrop.push(await timed(() => readOnly(drop)));
      ourDrop.push(
        await timed(async () => {
          const r = await read(drop);
          if (r.items.length !== 20) throw new Error(`a drop read ${r.items.length} of 20 notices`);
        }),
      );
    }
    const m = machine();
    const lines = [
      `machine: ${m.nproc} cores, ${m.cpu}, Node ${m.node}, ${m.date}; load average before ${load0}, after ${loadavg()}. ${busyness()}`,
      `one-page notice, one after another: raw pdf.js ${rawRate.toFixed(1)}/s; reading alone ${onlyRate.toFixed(1)}/s = ${((onlyRate / rawRate) * 100).toFixed(0)}%; read() with its audit commit ${ourRate.toFixed(1)}/s = ${((ourRate / rawRate) * 100).toFixed(0)}%; raw pdf.js without font programs ${leanRate.toFixed(1)}/s`,
      `20-file drop (median of ${DROPS}): raw pdf.js one by one ${median(rawDrop).toFixed(0)} ms; reading alone ${median(onlyDrop).toFixed(0)} ms = ${((median(rawDrop) / median(onlyDrop)) * 100).toFixed(0)}%; read() with its audit commit ${median(ourDrop).toFixed(0)} ms = ${((median(rawDrop) / median(ourDrop)) * 100).toFixed(0)}%; raw pdf.js without font programs ${median(leanDropMs).toFixed(0)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
  { timeLimitMs: 10 * 60_000 },
);
