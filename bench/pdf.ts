/**
 * PDF: PDFs per second and p50 with the page pool warm, through the service route
 * (GET /api/v1/certificates/:id/pdf) and through createPdfRenderer().render directly, against bare
 * puppeteer page.setContent + page.pdf of the same HTML with the installed fonts on reused pages
 * (today's path), in alternating slices of the same run; and the first PDF after /readyz answers 200.
 * Targets: ≥ 3× today's path; first PDF < 1.5 s.
 *
 *   node --import tsx bench/pdf.ts          (BENCH_PDF_SECONDS=20 BENCH_PDF_STARTS=3 BENCH_PDF_ROUNDS=4)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer';
import { createPdfRenderer, findChromium, type PdfRenderInput } from '../src/pdf/index.js';
import { main, onCleanup } from './lib/cleanup.js';
import { descendantsOf } from './lib/child.js';
import { createBenchDatabase } from './lib/db.js';
import { spawnService } from './lib/service.js';
import { certificateToPrint } from './lib/certificate-to-print.js';
import { closedLoop, HttpClient, statusText } from './lib/http.js';
import { cpuBetween, cpuSnapshot, loadavg } from './lib/machine.js';
import { Report } from './lib/report.js';
import { median, num, summarise } from './lib/stats.js';

const times = (ratio: number) => `${num(ratio)}×`;

const SECONDS = Number(process.env.BENCH_PDF_SECONDS ?? 20);
const STARTS = Number(process.env.BENCH_PDF_STARTS ?? 3);
const PAGES = 2; // SHOSHO_PDF_PAGES default
const CLIENTS = 4; // twice the pages, so the pool never waits for a caller
const SETTLE_MS = 5000;
const ROUNDS = Number(process.env.BENCH_PDF_ROUNDS ?? 4);

// the service's launch flags (src/pdf/chromium.ts) and print options (src/pdf/print.ts), for a like-for-like bare figure
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];
const PRINT = {
  format: 'A4',
  printBackground: true,
  displayHeaderFooter: true,
  headerTemplate: '<span></span>',
  margin: { top: '18mm', bottom: '22mm', left: '15mm', right: '15mm' },
  timeout: 0,
} as const;

/** `concurrency` loops calling `work` for `seconds`: latencies and the time they took. */
async function loops(concurrency: number, seconds: number, work: (worker: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t = performance.now();
        await work(w);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, ms: performance.now() - t0 };
}

/** Several loops' results as one: PDFs per second over their total time, and latencies. */
function combined(runs: Array<Awaited<ReturnType<typeof loops>>>) {
  const latencies = runs.flatMap((r) => r.latencies);
  const ms = runs.reduce((a, r) => a + r.ms, 0);
  return { rate: (latencies.length / ms) * 1000, latency: summarise(latencies) };
}

/** Today's path: the same HTML printed with the installed IPAex fonts by bare puppeteer; `run(seconds)` measures it. */
async function barePuppeteer(executablePath: string, input: PdfRenderInput) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-bench-chromium-'));
  const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, args: CHROMIUM_ARGS, userDataDir });
  onCleanup(async () => {
    await browser.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  try {
    const pages = await Promise.all(Array.from({ length: PAGES }, () => browser.newPage()));
    // the footer the service prints (src/pdf/print.ts footerTemplate, copied: it is not exported), same style and content
    const e = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const style =
      "font-family: 'IPAexGothic', sans-serif; font-size: 7pt; font-synthesis: none; line-height: 1.5; color: #333; width: 100%; padding: 0 15mm; box-sizing: border-box";
    const row = 'display: flex; justify-content: space-between; gap: 4mm';
    const f = input.footer;
    const footerTemplate =
      `<div style="${style}"><div style="${row}"><span>${e(f.issuer)}　保証契約番号 ${e(f.number)}　${e(f.kind)}　${e(f.revision)}</span>` +
      `<span>ページ <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>` +
      `<div style="${row}"><span>SHA-256 ${e(f.jwsSha256)}</span><span>作成 ${e(f.producedAt)}</span></div></div>`;
    // the HTML exactly as the renderer hands it to Chromium (src/pdf/print.ts appends this style)
    const html = `${input.html}<style>* { font-synthesis: none !important; }</style>`;
    const once = async (w: number) => {
      await pages[w]!.setContent(html, { waitUntil: 'load', timeout: 0 });
      return pages[w]!.pdf({ ...PRINT, footerTemplate });
    };
    await Promise.all([once(0), once(1)]);
    await loops(PAGES, 2, once); // warm
    return {
      run: (seconds: number) => loops(PAGES, seconds, once),
      pid: browser.process()!.pid!,
      close: async () => {
        await browser.close().catch(() => {});
        fs.rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

main(
  async () => {
    const report = new Report('pdf', 'PDF: PDFs/s through the service and the renderer vs bare puppeteer; first PDF');
    const executablePath = findChromium();
    if (!executablePath) throw new Error('no Chromium: apt-get install -y --no-install-recommends chromium fonts-ipaexfont-mincho fonts-ipaexfont-gothic');
    const db = await createBenchDatabase('bench_pdf');
    // the exact render input the service builds for this certificate
    const { id, token, input: renderInput } = await certificateToPrint(db);

    // 1. today's path (bare puppeteer, installed fonts) and createPdfRenderer().render (fonts subset), pool warm,
    // measured in alternating slices so that the machine's load falls on both alike
    const bareRunner = await barePuppeteer(executablePath, renderInput);
    const pdf = createPdfRenderer({ executablePath, pages: PAGES });
    onCleanup(() => pdf.close());
    let t = performance.now();
    await pdf.warm();
    const warmMs = performance.now() - t;
    t = performance.now();
    await pdf.render(renderInput);
    const firstAfterWarmMs = performance.now() - t;
    t = performance.now();
    await pdf.render(renderInput);
    const secondMs = performance.now() - t;
    console.log(
      `renderer: warm() ${num(warmMs)} ms (browser launch + ${PAGES} pages), then first render ${num(firstAfterWarmMs)} ms, second ${num(secondMs)} ms`,
    );
    await loops(CLIENTS, 2, () => pdf.render(renderInput));
    const bareRuns: Array<Awaited<ReturnType<typeof loops>>> = [];
    const directRuns: Array<Awaited<ReturnType<typeof loops>>> = [];
    // CPU of this process (the renderer's subsetting and pdf-lib included) and of the browser's processes
    const cpu = { bare: 0, direct: 0 };
    const measured = async <T>(browserPid: number, key: keyof typeof cpu, work: () => Promise<T>) => {
      const tree = () => ({ browser: browserPid, ...Object.fromEntries(descendantsOf(browserPid).map((p) => [`chromium-${p}`, p])) });
      const c0 = cpuSnapshot(tree(), []);
      const result = await work();
      cpu[key] += Object.values(cpuBetween(c0, cpuSnapshot(tree(), [])).pids).reduce((a, b) => a + b, 0);
      return result;
    };
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await measured(bareRunner.pid, 'bare', () => bareRunner.run(SECONDS / ROUNDS)));
      directRuns.push(await measured(pdf.browserPid()!, 'direct', () => loops(CLIENTS, SECONDS / ROUNDS, () => pdf.render(renderInput))));
      console.log(
        `round ${round + 1}: today's path ${num(combined([bareRuns.at(-1)!]).rate)}/s, renderer ${num(combined([directRuns.at(-1)!]).rate)}/s  [load ${loadavg()}]`,
      );
    }
    await pdf.close();
    await bareRunner.close();
    const bare = combined(bareRuns);
    const direct = combined(directRuns);
    const cpuPerPdf = {
      bare: (cpu.bare / bareRuns.reduce((a, r) => a + r.latencies.length, 0)) * 1000,
      direct: (cpu.direct / directRuns.reduce((a, r) => a + r.latencies.length, 0)) * 1000,
    };
    console.log(`CPU per PDF (Node + Chromium): today's path ${num(cpuPerPdf.bare)} ms, renderer ${num(cpuPerPdf.direct)} ms`);
    console.log(`today's path (bare, installed fonts), ${PAGES} pages: ${num(bare.rate)}/s, p50 ${num(bare.latency.p50)} ms`);
    console.log(`createPdfRenderer().render, ${CLIENTS} callers: ${num(direct.rate)}/s, p50 ${num(direct.latency.p50)} ms  [load ${loadavg()}]`);

    // 3. the service route, after measuring its first PDF from a cold start (several starts)
    const firsts: number[] = [];
    const listenings: number[] = [];
    const readies: number[] = [];
    let svcRate = 0;
    let svc: ReturnType<typeof combined> | null = null;
    let statuses = '';
    let svcCpu: ReturnType<typeof cpuBetween> | null = null;
    const settledFirsts: number[] = [];
    for (let start = 0; start <= STARTS; start++) {
      // the last start waits SETTLE_MS before its first request (the browser warm-up at start has finished)
      const settle = start === STARTS;
      const t = performance.now();
      const child = await spawnService(db, { label: `service-${start}`, env: { SHOSHO_PDF_PAGES: String(PAGES) } });
      listenings.push(performance.now() - t);
      const client = new HttpClient(String(child.ready.url), CLIENTS);
      // as a balancer would: no request before /readyz answers 200 (it waits for the PDF warm-up)
      while ((await client.request({ method: 'GET', path: '/readyz' })).status !== 200) await new Promise((r) => setTimeout(r, 20));
      readies.push(performance.now() - t);
      const req = { method: 'GET', path: `/api/v1/certificates/${id}/pdf`, headers: { authorization: `Bearer ${token}` }, keepBody: true };
      if (settle) await new Promise((r) => setTimeout(r, SETTLE_MS));
      const first = await client.request(req);
      if (first.status !== 200 || !first.body!.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new Error(`first PDF: ${first.status}`);
      (settle ? settledFirsts : firsts).push(first.ms);
      console.log(
        `start ${start + 1}: listening after ${num(listenings.at(-1)!)} ms, /readyz 200 after ${num(readies.at(-1)!)} ms, ${settle ? `${SETTLE_MS} ms idle, then ` : ''}first PDF ${num(first.ms)} ms (${first.bytes} B)  [load ${loadavg()}]`,
      );
      if (settle) {
        await closedLoop({ client, clients: CLIENTS, durationMs: 2000, next: () => ({ ...req, keepBody: false }) });
        const tree = () => ({ service: child.pid, ...Object.fromEntries(descendantsOf(child.pid).map((p) => [`chromium-${p}`, p])) });
        const c0 = cpuSnapshot(tree());
        const r = await closedLoop({ client, clients: CLIENTS, durationMs: SECONDS * 1000, next: () => ({ ...req, keepBody: false }) });
        svcCpu = cpuBetween(c0, cpuSnapshot(tree()));
        svcRate = r.rate;
        svc = { rate: r.rate, latency: r.latency };
        statuses = statusText(r.statuses);
        if (r.errors.length || r.statuses.get(200) !== r.requests) throw new Error(`service PDFs: ${statuses} ${r.errors.slice(0, 3)}`);
        console.log(
          `service GET /api/v1/certificates/:id/pdf, ${CLIENTS} clients: ${num(r.rate)}/s, p50 ${num(r.latency.p50)} ms, ${statuses}  [load ${loadavg()}]`,
        );
      }
      client.close();
      await child.stop();
    }

    report.add({
      figure: `service GET /api/v1/certificates/:id/pdf, ${CLIENTS} clients, pool of ${PAGES} warm`,
      measured: `${num(svcRate)} PDFs/s (p50 ${num(svc!.latency.p50)} ms)`,
      raw: `${num(bare.rate)}/s today's path (p50 ${num(bare.latency.p50)} ms)`,
      ratio: times(svcRate / bare.rate),
      target: "≥ 3× today's path",
      met: svcRate / bare.rate >= 3,
    });
    report.add({
      figure: `createPdfRenderer().render directly, ${CLIENTS} callers`,
      measured: `${num(direct.rate)} PDFs/s (p50 ${num(direct.latency.p50)} ms)`,
      raw: `${num(bare.rate)}/s today's path`,
      ratio: times(direct.rate / bare.rate),
      target: "≥ 3× today's path",
      met: direct.rate / bare.rate >= 3,
    });
    report.add({
      figure: 'CPU per PDF, Node process and Chromium (the capacity of 2 cores is 2 CPU-s ÷ this)',
      measured: `${num(cpuPerPdf.direct)} ms (renderer)`,
      raw: `${num(cpuPerPdf.bare)} ms today's path`,
      ratio: times(cpuPerPdf.bare / cpuPerPdf.direct),
      target: "≥ 3× less than today's path",
      met: cpuPerPdf.bare / cpuPerPdf.direct >= 3,
    });
    report.add({
      figure: `first PDF, requested as soon as /readyz answers 200 (${STARTS} starts)`,
      measured: `median ${num(median(firsts))} ms, max ${num(Math.max(...firsts))} ms`,
      raw: '',
      ratio: '',
      target: '< 1.5 s',
      met: Math.max(...firsts) < 1500,
    });
    report.add({
      figure: `first PDF, requested ${SETTLE_MS / 1000} s after /readyz answers 200`,
      measured: `${num(settledFirsts[0]!)} ms`,
      raw: '',
      ratio: '',
      target: '< 1.5 s',
      met: settledFirsts[0]! < 1500,
    });
    report.add({
      figure: 'renderer alone: warm(), then the first and second render',
      measured: `warm ${num(warmMs)} ms, then first PDF ${num(firstAfterWarmMs)} ms, second ${num(secondMs)} ms`,
      raw: '',
      ratio: '',
      target: "(where the first PDF's time goes)",
      met: null,
    });
    report.note(
      [
        `At start the service launches Chromium, opens its pages and prints one throwaway page in the certificate's fonts (SHOSHO_PDF_WARMUP, default on); /readyz answers 503 with pdf: warming until that has finished, so the first PDF after /readyz 200 finds a warm browser.`,
        `Today's path = what the renderer did before the fonts were subset (it ran at 96–99% of this): bare puppeteer on the same Chromium with the service's launch flags, ${PAGES} pages reused, page.setContent + page.pdf of the same HTML with the installed IPAex fonts (and the font-synthesis style), the same A4 options and a footer of the same content; measured in ${ROUNDS} slices alternating with the renderer's (${bareRuns.map((r) => num(combined([r]).rate)).join(', ')}/s against ${directRuns.map((r) => num(combined([r]).rate)).join(', ')}/s). The renderer cuts the IPAex fonts to the document's characters (src/pdf/fonts.ts), prints the footer as the document's own @page margin boxes instead of Chromium's footer template (src/pdf/print.ts), and adds: a locked page (JavaScript off, request interception), a per-render deadline, and certificate.jws, issuer-jwks.json, verification.json and the metadata appended to Chromium's PDF as an incremental update (src/pdf/incremental-update.ts); the service route also reads the certificate, builds the §6 report and writes the certificate.pdf audit entry.`,
        `Service start to listening: ${listenings.map((r) => num(r)).join(', ')} ms; to /readyz 200: ${readies.map((r) => num(r)).join(', ')} ms; first PDFs: ${firsts.map((f) => num(f)).join(', ')} ms. Service CPU during the warm run: Node process ${num(svcCpu!.pids.service!, 1)} CPU-s, Chromium ${num(
          Object.entries(svcCpu!.pids)
            .filter(([k]) => k.startsWith('chromium-'))
            .reduce((a, [, v]) => a + v, 0),
          1,
        )} CPU-s, PostgreSQL ${num(svcCpu!.postgres, 1)} CPU-s, over ${num(svcCpu!.wallSeconds, 0)} s; other people's work on the machine ${num(svcCpu!.others, 1)} CPU-s of ${num(svcCpu!.wallSeconds * 2, 0)}.`,
      ].join('\n'),
    );
    report.save();
    await db.drop();
  },
  { timeLimitMs: 10 * 60_000 },
);
