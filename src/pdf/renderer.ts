import { ChromiumProcess } from './chromium.js';
import { PdfError, isBrowserGone, messageOf } from './errors.js';
import { finishPdf, prepareAttachments } from './document.js';
import { FontSubsetter, IPAEX_FACES } from './fonts.js';
import { footerText, openLockedPage, printOnPage } from './print.js';
import { PagePool } from './page-pool.js';
import type { PdfRenderInput, PdfRenderer, PdfRendererOptions } from './types.js';

/**
 * One Chromium for the process, a bounded pool of pages, a deadline on every render,
 * and one retry for a render whose browser died under it.
 */
export function createPdfRenderer(options: PdfRendererOptions): PdfRenderer {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const chromium = new ChromiumProcess(options.executablePath, log, () => pool.dropIdle());
  const pool = new PagePool(options.pages ?? 2, async () => openLockedPage(await chromium.browser(), log));
  const fonts = new FontSubsetter(IPAEX_FACES, log);
  let renders = 0;
  let failures = 0;

  async function printOnce(input: PdfRenderInput, fontFaces: Promise<string>, signal: AbortSignal): Promise<Uint8Array> {
    const lossesBefore = chromium.losses;
    try {
      return await pool.withPage(signal, async (page) => printOnPage(page, input.html + (await fontFaces), input.footer));
    } catch (error) {
      const browserDied = isBrowserGone(error) || chromium.losses !== lossesBefore;
      if (browserDied && !signal.aborted && !chromium.closed) throw new BrowserDied(error);
      throw error;
    }
  }

  async function print(input: PdfRenderInput, signal: AbortSignal): Promise<Uint8Array> {
    // Cut while the caller waits for a page; the page is still claimed at once, in the callers' order.
    // Without the subsets Chromium uses the installed fonts, as it did before them.
    const fontFaces = fonts.fontFaceCss(input.html + footerText(input.footer)).catch((error: unknown) => {
      log({ level: 'warn', event: 'pdf.font.subset_failed', error: messageOf(error) });
      return '';
    });
    try {
      return await printOnce(input, fontFaces, signal);
    } catch (error) {
      if (!(error instanceof BrowserDied)) throw error;
      log({ level: 'warn', event: 'pdf.render.retry', error: messageOf(error.cause) });
    }
    try {
      return await printOnce(input, fontFaces, signal);
    } catch (error) {
      if (!(error instanceof BrowserDied)) throw error;
      throw new PdfError('PDF_FAILED', 'Chromium died during the render, twice', { cause: error.cause });
    }
  }

  async function produce(input: PdfRenderInput, signal: AbortSignal): Promise<Uint8Array> {
    const attachments = prepareAttachments(input.attachments);
    const chromiumPdf = await print(input, signal);
    return finishPdf(chromiumPdf, input.metadata, attachments, new Date());
  }

  async function render(input: PdfRenderInput): Promise<Uint8Array> {
    const started = performance.now();
    const deadline = new AbortController();
    const expired = new Promise<never>((_, reject) => {
      deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason), { once: true });
    });
    const timer = setTimeout(() => {
      deadline.abort(new PdfError('PDF_TIMEOUT', `the PDF was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      // The race settles the caller even if Chromium hangs and never answers.
      const pdf = await Promise.race([produce(input, deadline.signal), expired]);
      renders += 1;
      return pdf;
    } catch (error) {
      failures += 1;
      const failure = asPdfError(error, chromium.closed);
      const ms = Math.round(performance.now() - started);
      log({ level: 'warn', event: 'pdf.render.failed', code: failure.code, error: failure.message, ms });
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    render,
    warm: () => pool.warm(),
    async close() {
      pool.failWaiters(new PdfError('PDF_CLOSED', 'the PDF renderer is closed'));
      pool.dropIdle();
      await chromium.close();
    },
    stats: () => ({ renders, failures, relaunches: chromium.relaunches, inUse: pool.inUse, queued: pool.queued }),
    browserPid: () => chromium.pid(),
  };
}

class BrowserDied extends Error {
  constructor(cause: unknown) {
    super('Chromium died during the render', { cause });
  }
}

function asPdfError(error: unknown, rendererClosed: boolean): PdfError {
  if (error instanceof PdfError) return error;
  if (rendererClosed) return new PdfError('PDF_CLOSED', 'the PDF renderer was closed during the render', { cause: error });
  return new PdfError('PDF_FAILED', `the PDF could not be made: ${messageOf(error)}`, { cause: error });
}
