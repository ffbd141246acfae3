/**
 * Key notices (「電子証書閲覧用『認証キー』等のお知らせ」) as an issuer hands them to the contractor,
 * printed to PDF by Chromium in the IPAex fonts (embedded, so the text can be read back).
 * Layouts: `table`, like 西日本建設業保証's notice (label cells beside value cells); `lines`,
 * one 「label：value」 per line, as in an e-mail. `perPage` puts one or two notices on a page, one
 * above the other, or with `sideBySide` in two columns of an A4 landscape page (as issuers print a
 * 前払金保証 and a 契約保証 for one contract side by side).
 */
import puppeteer, { type Browser } from 'puppeteer';
import { formatWareki } from '../src/domain/index.js';
import { findChromium } from '../src/pdf/index.js';
import type { Kind } from './samples.js';

export interface NoticeContent {
  number: string;
  /** as printed for people, e.g. `7KQ4-M2XD-9PRA` */
  authKey: string;
  kind: Kind;
  revisionType: 'new' | 'change' | 'correction';
  projectName: string;
  contractor: string;
  obligee: string;
  issuer: { name: string; office: string };
  issuedOn: string;
}

export type NoticeLayout = 'table' | 'lines';

const KIND_NAME: Record<Kind, string> = {
  advance_payment: '前払金保証',
  interim_advance_payment: '中間前払金保証',
  contract: '契約保証',
  performance_bond: '公共工事履行保証証券',
  performance_insurance: '履行保証保険',
};
const REVISION_NAME = { new: '新規', change: '変更', correction: '訂正' } as const;
const isInsurer = (k: Kind) => k === 'performance_bond' || k === 'performance_insurance';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fields(n: NoticeContent): Array<[label: string, value: string]> {
  return [
    ['保証の種類', KIND_NAME[n.kind]],
    ['区分', REVISION_NAME[n.revisionType]],
    [isInsurer(n.kind) ? '証券番号' : '保証契約番号', n.number],
    [isInsurer(n.kind) ? '閲覧用パスワード' : '認証キー', n.authKey],
    ['工事名', n.projectName],
    ['発注者', n.obligee],
    ['受注者', n.contractor],
  ];
}

function noticeSection(n: NoticeContent, layout: NoticeLayout): string {
  const body =
    layout === 'table'
      ? `<table>${fields(n)
          .map(([l, v]) => `<tr><th>${esc(l)}</th><td>${esc(v)}</td></tr>`)
          .join('')}</table>`
      : `<div class="lines">${fields(n)
          .map(([l, v]) => `<p>${esc(l)}：${esc(v)}</p>`)
          .join('')}</div>`;
  return `<section>
<p class="date">${esc(formatWareki(n.issuedOn))}</p>
<p>${esc(n.contractor)}　御中</p>
<p class="from">${esc(n.issuer.name)}<br>${esc(n.issuer.office)}</p>
<h1>電子証書閲覧用『認証キー』等のお知らせ</h1>
<p>このたび発行しました${esc(KIND_NAME[n.kind])}の電子証書を発注者が閲覧するための番号と認証キーは下記のとおりです。発注者へお渡しください。</p>
${body}
<p class="note">認証キーは英数字で、大文字と小文字を区別しません。ハイフンは入力しなくても構いません。</p>
</section>`;
}

export interface NoticePrintOptions {
  layout: NoticeLayout;
  perPage?: 1 | 2;
  /** two notices a page, in two columns of an A4 landscape page */
  sideBySide?: boolean;
}

/** The notices as one HTML document, `perPage` of them on each A4 page. */
export function noticeHtml(notices: readonly NoticeContent[], opts: NoticePrintOptions): string {
  const perPage = opts.sideBySide ? 2 : (opts.perPage ?? 1);
  const pages: string[] = [];
  for (let i = 0; i < notices.length; i += perPage) {
    const sections = notices.slice(i, i + perPage).map((n) => noticeSection(n, opts.layout));
    pages.push(opts.sideBySide ? `<div class="page columns">${sections.join('')}</div>` : `<div class="page">${sections.join('<hr>')}</div>`);
  }
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>
@page { size: A4${opts.sideBySide ? ' landscape' : ''}; margin: 18mm 20mm; }
body { font-family: IPAexMincho, serif; font-size: 10.5pt; font-synthesis: none; line-height: 1.6; }
h1 { font-family: IPAexGothic, sans-serif; font-size: 13pt; font-weight: normal; text-align: center; margin: 6mm 0 4mm; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
.date, .from { text-align: right; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 4mm 0; }
th, td { border: 0.5pt solid #000; padding: 1.5mm 3mm; text-align: left; font-weight: normal; }
th { width: 38mm; background: #eee; }
.lines p { margin: 0.5mm 0; }
.note { font-size: 9pt; }
hr { border: 0; border-top: 0.5pt dashed #000; margin: 6mm 0; }
.columns { display: flex; gap: 14mm; }
.columns section { flex: 1 1 0; min-width: 0; }
.columns section + section { border-left: 0.5pt dashed #000; padding-left: 14mm; }
.columns th { width: 30mm; }
</style></head><body>${pages.join('')}</body></html>`;
}

/** One browser for many notice PDFs. */
export class NoticePrinter {
  private constructor(private readonly browser: Browser) {}

  static async open(executablePath = findChromium()): Promise<NoticePrinter> {
    if (!executablePath) throw new Error("no Chromium: set CHROMIUM_PATH or install Debian's chromium");
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      // on a shared machine at load 40 Chromium takes more than puppeteer's 30 s to start
      timeout: 120_000,
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
    });
    return new NoticePrinter(browser);
  }

  async print(notices: readonly NoticeContent[], opts: NoticePrintOptions): Promise<Uint8Array> {
    const page = await this.browser.newPage();
    try {
      await page.setJavaScriptEnabled(false);
      await page.setContent(noticeHtml(notices, opts), { waitUntil: 'load' });
      return await page.pdf({ format: 'A4', landscape: opts.sideBySide === true, printBackground: true, preferCSSPageSize: true });
    } finally {
      await page.close();
    }
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
