/**
 * Where one certificate PDF's time goes, step by step, on one warm page (no concurrency): the font
 * subset, page.setContent, page.pdf and shosho's part appended (finishPdf), each as the median of N runs, and
 * variants of the steps measured in alternation with them.
 *
 *   node --import tsx bench/pdf-steps.ts          (BENCH_PDF_STEPS_RUNS=15)
 */
import { findChromium } from '../src/pdf/index.js';
import { finishPdf, prepareAttachments } from '../src/pdf/document.js';
import { FontSubsetter, IPAEX_FACES } from '../src/pdf/fonts.js';
import { footerCss, footerText, openLockedPage, PRINT_OPTIONS, NO_FONT_SYNTHESIS } from '../src/pdf/print.js';
import { ChromiumProcess } from '../src/pdf/chromium.js';
import { main, onCleanup } from './lib/cleanup.js';
import { descendantsOf } from './lib/child.js';
import { createBenchDatabase } from './lib/db.js';
import { certificateToPrint } from './lib/certificate-to-print.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { median, num } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_PDF_STEPS_RUNS ?? 15);

main(
  async () => {
    const db = await createBenchDatabase('bench_pdf_steps');
    const { input: it } = await certificateToPrint(db);

    const chromium = new ChromiumProcess(
      findChromium(),
      () => {},
      () => {},
    );
    onCleanup(() => chromium.close());
    const browser = await chromium.browser();
    const page = await openLockedPage(browser, () => {});
    const fonts = new FontSubsetter(IPAEX_FACES, () => {});
    const attachments = prepareAttachments(it.attachments);
    // the footer as Chromium's footer template, as src/pdf/print.ts printed it before (a document of its own per page)
    const e = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const f = it.footer;
    const style =
      "font-family: 'IPAexGothic', sans-serif; font-size: 7pt; font-synthesis: none; line-height: 1.5; color: #333; width: 100%; padding: 0 15mm; box-sizing: border-box";
    const row = 'display: flex; justify-content: space-between; gap: 4mm';
    const template =
      `<div style="${style}"><div style="${row}"><span>${e(f.issuer)}　${e(f.numberLabel ?? '')} ${e(f.number)}　${e(f.kind)}　${e(f.revision)}</span>` +
      `<span>ページ <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>` +
      `<div style="${row}"><span>SHA-256 ${e(f.jwsSha256)}</span><span>作成 ${e(f.producedAt)}</span></div></div>`;
    const withTemplate = { ...PRINT_OPTIONS, displayHeaderFooter: true, headerTemplate: '<span></span>' };
    const margins = footerCss(it.footer);
    const text = it.html + footerText(it.footer);

    const steps: Record<string, number[]> = {};
    const cpu: Record<string, number> = {};
    const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const r = await work();
      steps[name] ??= [];
      steps[name].push(performance.now() - t);
      return r;
    };
    const pid = chromium.pid()!;
    const tree = () => ({ browser: pid, ...Object.fromEntries(descendantsOf(pid).map((p) => [`c${p}`, p])) });
    const withCpu = async (name: string, work: () => Promise<unknown>) => {
      const c0 = cpuSnapshot(tree(), []);
      const n0 = process.cpuUsage();
      await work();
      const n = process.cpuUsage(n0);
      const c = Object.values(cpuBetween(c0, cpuSnapshot(tree(), [])).pids).reduce((a, b) => a + b, 0);
      cpu[name] = (cpu[name] ?? 0) + c * 1000 + (n.user + n.system) / 1000;
    };

    const variants: Record<string, () => Promise<unknown>> = {
      'before: footer template, installed fonts': async () => {
        const css = await fonts.fontFaceCss(it.html);
        await page.setContent(it.html + css + NO_FONT_SYNTHESIS, { waitUntil: 'load', timeout: 0 });
        const pdf = await page.pdf({ ...withTemplate, footerTemplate: template });
        await finishPdf(pdf, it.metadata, attachments, new Date());
      },
      'footer template in the subset fonts': async () => {
        const css = await fonts.fontFaceCss(text + template);
        await page.setContent(it.html + css + NO_FONT_SYNTHESIS, { waitUntil: 'load', timeout: 0 });
        const pdf = await page.pdf({ ...withTemplate, footerTemplate: css + template });
        await finishPdf(pdf, it.metadata, attachments, new Date());
      },
      'footer as @page margin boxes, setContent(load)': async () => {
        const css = await fonts.fontFaceCss(text);
        await page.setContent(it.html + css + NO_FONT_SYNTHESIS + margins, { waitUntil: 'load', timeout: 0 });
        await finishPdf(await page.pdf(PRINT_OPTIONS), it.metadata, attachments, new Date());
      },
      'now: @page margin boxes, setContent(domcontentloaded)': async () => {
        const css = await timed('now: subset', () => fonts.fontFaceCss(text));
        await timed('now: setContent(domcontentloaded)', () =>
          page.setContent(it.html + css + NO_FONT_SYNTHESIS + margins, { waitUntil: 'domcontentloaded', timeout: 0 }),
        );
        const pdf = await timed('now: page.pdf', () => page.pdf(PRINT_OPTIONS));
        await timed('now: finish (update appended)', () => finishPdf(pdf, it.metadata, attachments, new Date()));
      },
      'no footer at all (bound of its cost)': async () => {
        const css = await fonts.fontFaceCss(it.html);
        await page.setContent(it.html + css + NO_FONT_SYNTHESIS, { waitUntil: 'load', timeout: 0 });
        await finishPdf(await page.pdf(PRINT_OPTIONS), it.metadata, attachments, new Date());
      },
    };
    for (const f of Object.values(variants)) await f();
    console.log(`${RUNS} runs of each, in turn, on one page  [load ${loadavg()}]`);
    for (let r = 0; r < RUNS; r++) {
      for (const [name, f] of Object.entries(variants)) await withCpu(name, () => timed(`${name}: total`, f));
    }
    for (const [name, xs] of Object.entries(steps)) console.log(`${name.padEnd(40)} median ${num(median(xs))} ms`);
    for (const [name, c] of Object.entries(cpu)) console.log(`${name.padEnd(40)} CPU per PDF ${num(c / RUNS)} ms (Node + Chromium)`);
    console.log(`[load ${loadavg()}]`);
    await page.close();
    await chromium.close();
    await db.drop();
  },
  { timeLimitMs: 5 * 60_000 },
);
