import type { Browser, HTTPRequest, Page, PDFOptions } from 'puppeteer';
import type { PdfFooter, PdfLog } from './types.js';

/** A CSS string: every character that could end the string, the rule or the <style> element is escaped. */
function cssString(text: string): string {
  return `"${text.replace(/[^\p{L}\p{N} .,:;()\-_/+#@!?　（）]/gu, (char) => `\\${char.codePointAt(0)!.toString(16)} `)}"`;
}

// The footer is the document's own: @page margin boxes (SPEC §7: issuer, number, kind, revision,
// SHA-256, when it was made, page x / y on every page). Chromium then lays it out with the page,
// in the subset fonts, instead of a separate footer document per page in the installed fonts,
// which cost more than a third of a certificate's PDF (BENCHMARKS.md).
const FOOTER_BOX = [
  "font-family: 'IPAexGothic', sans-serif",
  'font-size: 7pt',
  'font-synthesis: none',
  'line-height: 1.5',
  'color: #333',
  'white-space: pre',
  'vertical-align: top',
  'padding-top: 4mm',
].join('; ');

function footerLines(footer: PdfFooter) {
  return {
    identity: `${footer.issuer}　${footer.numberLabel ?? '保証契約番号'} ${footer.number}　${footer.kind}　${footer.revision}`,
    digest: `SHA-256 ${footer.jwsSha256}`,
    pageOf: footer.pageLabel ?? 'ページ {page} / {total}',
    produced: `${footer.producedAtLabel ?? '作成'} ${footer.producedAt}`,
  };
}

/** Every character the footer can print, the page counter's digits included: the font subset must hold them. */
export function footerText(footer: PdfFooter): string {
  return `${Object.values(footerLines(footer)).join('\n')}0123456789`;
}

/** The footer as a <style> of @page margin boxes; every value is escaped as a CSS string. */
export function footerCss(footer: PdfFooter): string {
  const { identity, digest, pageOf, produced } = footerLines(footer);
  const counter = pageOf
    .split(/(\{page\}|\{total\})/)
    .filter((part) => part !== '')
    .map((part) => (part === '{page}' ? 'counter(page)' : part === '{total}' ? 'counter(pages)' : cssString(part)))
    .join(' ');
  return (
    '<style>@page {' +
    ` @bottom-left { content: ${cssString(`${identity}\n${digest}`)}; text-align: left; ${FOOTER_BOX} }` +
    ` @bottom-right { content: ${counter} ${cssString(`\n${produced}`)}; text-align: right; ${FOOTER_BOX} }` +
    ' }</style>'
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
  margin: { top: '12mm', bottom: '18mm', left: '15mm', right: '15mm' },
  // The renderer enforces its own deadline over the whole render.
  timeout: 0,
};

// The HTML is complete and loads nothing (fonts are data: URLs, which page.pdf waits for), so the
// DOM being parsed is enough: waiting for 'load' cost ≈ 15% more CPU per PDF (bench/pdf-steps.ts).
export async function printOnPage(page: Page, html: string, footer: PdfFooter): Promise<Uint8Array> {
  await page.setContent(html + NO_FONT_SYNTHESIS + footerCss(footer), { waitUntil: 'domcontentloaded', timeout: 0 });
  return page.pdf(PRINT_OPTIONS);
}
