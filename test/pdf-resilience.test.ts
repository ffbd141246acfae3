import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PdfError, createPdfRenderer, findChromium, type PdfRenderInput, type PdfRenderer, type PdfRendererOptions } from '../src/pdf/index.js';

const input = (body: string): PdfRenderInput => ({
  html: `<!DOCTYPE html><html lang="ja"><body style="font-family: 'IPAexMincho', serif">${body}</body></html>`,
  footer: {
    issuer: '東日本建設業保証',
    number: '1234567890',
    kind: '契約保証',
    revision: '変更',
    jwsSha256: '0'.repeat(64),
    producedAt: '令和6年6月3日 10:15 JST',
  },
  metadata: { title: '契約保証 1234567890', subject: '電子証書', author: '東日本建設業保証' },
  attachments: [{ name: 'certificate.jws', data: 'a.b.c', mimeType: 'application/jose' }],
});
const small = input('<p>保証金額 金49,280,000円</p>');
const manyPages = (rows: number) =>
  input(`<table>${Array.from({ length: rows }, (_, i) => `<tr><td>${i}</td><td><b>前払金保証</b> 金49,280,000円</td></tr>`).join('')}</table>`);

const isPdf = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-';
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error as PdfError).code,
  );

let renderer: PdfRenderer | undefined;
const open = (options: Omit<PdfRendererOptions, 'executablePath'> = {}) => (renderer = createPdfRenderer({ executablePath: findChromium(), ...options }));

afterEach(async () => {
  await renderer?.close();
  renderer = undefined;
});

/**
 * This machine's render speed, measured now (under whatever load it carries): every deadline and
 * document size below is a multiple of it, so the tests mean the same on a fast and a slow machine.
 */
const speed = { smallMs: 0, msPerRow: 0 };
const CALIBRATION_ROWS = 1000;
beforeAll(async () => {
  // the calibration measures, it is not under test: on a busy machine 1,000 rows outlast the default deadline
  const pdf = createPdfRenderer({ executablePath: findChromium(), pages: 1, timeoutMs: 110_000 });
  try {
    await pdf.warm();
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await pdf.render(small);
      speed.smallMs = Math.max(speed.smallMs, performance.now() - started);
    }
    const started = performance.now();
    await pdf.render(manyPages(CALIBRATION_ROWS));
    speed.msPerRow = (performance.now() - started) / CALIBRATION_ROWS;
  } finally {
    await pdf.close();
  }
  console.log(`pdf-resilience calibration: small render ${Math.round(speed.smallMs)} ms, ${speed.msPerRow.toFixed(2)} ms per table row`);
}, 120_000);
/** A document that takes about `ms` to render here. */
const takingAbout = (ms: number) => manyPages(Math.ceil(ms / speed.msPerRow));

describe('PDF renderer under trouble', () => {
  it('renders a page that asks for outside resources, and loads none of them', async () => {
    let hits = 0;
    const server: Server = createServer((_, response) => {
      hits += 1;
      response.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const blocked: unknown[] = [];
    const pdf = open({ log: (entry) => entry.event === 'pdf.request.blocked' && blocked.push(entry.url) });
    const page = `<img src="http://example.com/x.png"><img src="${local}/x.png">
      <link rel="stylesheet" href="${local}/x.css"><iframe src="${local}/frame"></iframe><p>本文</p>`;
    try {
      expect(isPdf(await pdf.render(input(page)))).toBe(true);
    } finally {
      server.close();
    }
    expect(hits).toBe(0);
    expect(blocked).toContain('http://example.com/x.png');
  });

  it('queues callers beyond the pool and serves them in turn', async () => {
    const pdf = open({ pages: 1 });
    const first = pdf.render(small);
    const second = pdf.render(small);
    expect(pdf.stats()).toMatchObject({ inUse: 1, queued: 1 });
    const both = await Promise.all([first, second]);
    expect(both.every(isPdf)).toBe(true);
    expect(pdf.stats()).toMatchObject({ renders: 2, failures: 0, inUse: 0, queued: 0 });
  });

  it('survives Chromium being killed in the middle of renders', async () => {
    const events: unknown[] = [];
    // long enough that the kill lands inside them (the two pages taken, then a third of a render);
    // the deadline leaves room for both to be rendered again on the relaunched browser
    const renderMs = Math.max(4 * speed.smallMs, 1000);
    const pdf = open({ pages: 2, timeoutMs: 10 * renderMs, log: (entry) => events.push(entry.event) });
    await pdf.warm();
    const killed = pdf.browserPid();
    expect(killed).toBeTypeOf('number');
    const renders = [pdf.render(takingAbout(renderMs)), pdf.render(takingAbout(renderMs)), pdf.render(small)];
    expect(pdf.stats()).toMatchObject({ inUse: 2, queued: 1 });
    await new Promise((resolve) => setTimeout(resolve, renderMs / 3));
    process.kill(killed!, 'SIGKILL');
    for (const outcome of await Promise.allSettled(renders)) {
      if (outcome.status === 'fulfilled') expect(isPdf(outcome.value)).toBe(true);
      else expect(outcome.reason).toMatchObject({ code: 'PDF_FAILED' });
    }
    expect(events).toContain('pdf.browser.lost');
    expect(events).toContain('pdf.render.retry');
    expect(isPdf(await pdf.render(small))).toBe(true);
    expect(pdf.browserPid()).not.toBe(killed);
    expect(pdf.stats()).toMatchObject({ relaunches: 1, inUse: 0, queued: 0 });
  });

  it('gives up on a render past its deadline, also for callers still queued, and keeps working', async () => {
    // a deadline many small renders long, and a render twenty deadlines long: the load can change
    // between calibration and now, and the render must still outlast its deadline
    const timeoutMs = Math.max(10 * speed.smallMs, 1000);
    const pdf = open({ pages: 1, timeoutMs });
    await pdf.warm();
    const started = performance.now();
    const slow = codeOf(pdf.render(takingAbout(20 * timeoutMs)));
    const queued = codeOf(pdf.render(small));
    expect(pdf.stats().queued).toBe(1);
    expect(await slow).toBe('PDF_TIMEOUT');
    expect(await queued).toBe('PDF_TIMEOUT');
    // given up at the deadline, well before the render itself could have ended
    expect(performance.now() - started).toBeLessThan(2.5 * timeoutMs);
    expect(pdf.stats()).toMatchObject({ queued: 0 });
    // the timed-out page was thrown away: open its replacement outside the next render's deadline,
    // which is short enough here that a loaded machine could spend it on opening the page alone
    await pdf.warm();
    expect(isPdf(await pdf.render(small))).toBe(true);
    expect(pdf.stats()).toMatchObject({ renders: 1, failures: 2 });
  });

  it('says how to get Chromium when there is none', async () => {
    for (const executablePath of [null, '/nonexistent/chromium']) {
      renderer = createPdfRenderer({ executablePath });
      const failure = await renderer.render(small).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: 'PdfUnavailableError', code: 'PDF_UNAVAILABLE' });
      expect((failure as Error).message).toMatch(/chromium.*CHROMIUM_PATH/);
      await renderer.close();
    }
  });

  it("finds Chromium: CHROMIUM_PATH when set and executable, none when it is not, else the distribution's", () => {
    expect(findChromium(process.execPath)).toBe(process.execPath);
    expect(findChromium('/nonexistent/chromium')).toBeNull();
    expect(findChromium('')).toBe('/usr/bin/chromium');
  });

  it('refuses work once closed, including callers still queued', async () => {
    const pdf = open({ pages: 1 });
    const running = codeOf(pdf.render(small));
    const queued = codeOf(pdf.render(small));
    await pdf.close();
    expect(await queued).toBe('PDF_CLOSED');
    expect(['resolved', 'PDF_CLOSED']).toContain(await running);
    expect(await codeOf(pdf.render(small))).toBe('PDF_CLOSED');
  });
});
