import fs from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { findChromium } from '../../src/pdf/index.js';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium as root on a closed network: no sandbox, and no name lookups but loopback. */
export function launchTestBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: findChromium() ?? undefined,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
}

/** axe-core's WCAG 2.0/2.1 A and AA violations on the page as it stands, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await (globalThis as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).join(', ')})`);
  });
}

/**
 * A page in a browser context of its own (its own cookies), asking for Japanese, with every request
 * that leaves `base` recorded in `outside` (pages must load nothing from outside shosho).
 */
export async function openPage(browser: Browser, base: string, outside: string[], viewport?: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  if (viewport) await page.setViewport(viewport);
  await page.setExtraHTTPHeaders({ 'accept-language': 'ja-JP,ja;q=0.9' });
  await page.setBypassCSP(true); // only so axe-core can be injected; the pages themselves never need it
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) outside.push(req.url());
  });
  return page;
}

/** Signs in through the login form on screen, as a person would. */
export async function signInThroughForm(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

interface Pa11yIssue {
  type: string;
  code: string;
  message: string;
  selector: string;
}
type Pa11y = (url: string, options: Record<string, unknown>) => Promise<{ issues: Pa11yIssue[] }>;
// pa11y ships no types; it drives the puppeteer Browser and Page it is handed, so no browser of its own is launched
const pa11y = createRequire(import.meta.url)('pa11y') as Pa11y;

/**
 * pa11y's HTML_CodeSniffer errors at WCAG 2 AA on the page as it stands (`ignoreUrl`: the page is
 * not loaded again, so a POST's answer is checked as shown), one line each.
 */
export async function pa11yErrors(browser: Browser, page: Page): Promise<string[]> {
  const viewport = page.viewport() ?? { width: 1280, height: 1024 };
  const result = await pa11y(page.url(), { browser, page, ignoreUrl: true, runners: ['htmlcs'], standard: 'WCAG2AA', viewport, userAgent: '' });
  return result.issues.filter((i) => i.type === 'error').map((i) => `${i.code}: ${i.message} (${i.selector})`);
}
