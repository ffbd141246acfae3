import type { Browser, HTTPRequest, Page, PDFOptions } from 'puppeteer';
import type { PdfFooter, PdfLog } from './types.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

// Chromium prints the footer in its own document: without an explicit font-size it is ≈ 0.75 pt,
// and the side padding lines it up with the page's 15 mm margins.
const FOOTER_STYLE = [
  "font-family: 'IPAexGothic', sans-serif",
  'font-size: 7pt',
  'font-synthesis: none',
  'line-height: 1.5',
  'color: #333',
  'width: 100%',
  'padding: 0 15mm',
  'box-sizing: border-box',
].join('; ');

const ROW_STYLE = 'display: flex; justify-content: space-between; gap: 4mm';

/** The footer Chromium prints on every page (SPEC §7); every value is escaped. */
export function footerTemplate(footer: PdfFooter): string {
  const e = escapeHtml;
  const identity = `${e(footer.issuer)}　${e(footer.numberLabel ?? '保証契約番号')} ${e(footer.number)}　${e(footer.kind)}　${e(footer.revision)}`;
  const pageOf = e(footer.pageLabel ?? 'ページ {page} / {total}')
    .replace('{page}', '<span class="pageNumber"></span>')
    .replace('{total}', '<span class="totalPages"></span>');
  return (
    `<div style="${FOOTER_STYLE}">` +
    `<div style="${ROW_STYLE}"><span>${identity}</span><span>${pageOf}</span></div>` +
    `<div style="${ROW_STYLE}"><span>SHA-256 ${e(footer.jwsSha256)}</span><span>${e(footer.producedAtLabel ?? '作成')} ${e(footer.producedAt)}</span></div>` +
    `</div>`
  );
}

const LOCAL_SCHEMES = ['data:', 'about:'];

/**
 * A page that runs no script and loads nothing from outside: the HTML is ours and
 * complete, so any other request (http:, file:, …) is a mistake or an injection.
 */
export async function openLockedPage(browser: Browser, log: PdfLog): Promise<Page> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (LOCAL_SCHEMES.some((scheme) => url.startsWith(scheme))) {
      void request.continue().catch(() => undefined);
      return;
    }
    log({ level: 'warn', event: 'pdf.request.blocked', url: url.slice(0, 200) });
    void request.abort('blockedbyclient').catch(() => undefined);
  });
  return page;
}

// IPAex has no bold face: synthetic bold would turn into Type 3 fonts. Appended after the
// document, a <style> still applies everywhere and cannot push the page into quirks mode.
export const NO_FONT_SYNTHESIS = '<style>* { font-synthesis: none !important; }</style>';

export const PRINT_OPTIONS: PDFOptions = {
  format: 'A4',
  printBackground: true,
  displayHeaderFooter: true,
  headerTemplate: '<span></span>',
  margin: { top: '12mm', bottom: '18mm', left: '15mm', right: '15mm' },
  // The renderer enforces its own deadline over the whole render.
  timeout: 0,
};

export async function printOnPage(page: Page, html: string, footer: PdfFooter): Promise<Uint8Array> {
  await page.setContent(html + NO_FONT_SYNTHESIS, { waitUntil: 'load', timeout: 0 });
  return page.pdf({ ...PRINT_OPTIONS, footerTemplate: footerTemplate(footer) });
}
