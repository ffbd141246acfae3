import { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { PdfError, PdfUnavailableError } from './errors.js';
import type { PdfLog } from './types.js';

const WELL_KNOWN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * CHROMIUM_PATH when set (null if it is not an executable: an explicit choice is never silently
 * replaced), else a distribution's Chromium; never downloads one.
 */
export function findChromium(chromiumPath: string | undefined = process.env.CHROMIUM_PATH): string | null {
  if (chromiumPath) return isExecutable(chromiumPath) ? chromiumPath : null;
  return WELL_KNOWN_PATHS.find(isExecutable) ?? null;
}

// Root needs --no-sandbox; the resolver rule stops every outside lookup (Chromium's own
// background traffic included) while loopback still resolves.
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

/** The one browser of the process: launched lazily, launched again after it dies. */
export class ChromiumProcess {
  #launching: Promise<Browser> | null = null;
  #current: Browser | null = null;
  #closed = false;
  #launches = 0;
  #losses = 0;
  readonly #profileRemovals = new Set<Promise<void>>();

  constructor(
    private readonly executablePath: string | null,
    private readonly log: PdfLog,
    private readonly onLost: () => void,
  ) {
    const cleanup = removeStaleProfiles()
      .then((removed) => {
        if (removed.length) this.log({ level: 'info', event: 'pdf.profiles.removed', removed });
      })
      .finally(() => this.#profileRemovals.delete(cleanup));
    this.#profileRemovals.add(cleanup);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get relaunches(): number {
    return Math.max(0, this.#launches - 1);
  }

  /** Grows each time the browser dies without close(): a render spanning a change lost its browser. */
  get losses(): number {
    return this.#losses;
  }

  pid(): number | null {
    return this.#current?.process()?.pid ?? null;
  }

  async browser(): Promise<Browser> {
    if (this.#closed) throw new PdfError('PDF_CLOSED', 'the PDF renderer is closed');
    if (!this.#launching) {
      const launching = this.#launch();
      // A failed launch is forgotten, so that installing Chromium later needs no restart.
      launching.catch(() => {
        if (this.#launching === launching) this.#launching = null;
      });
      this.#launching = launching;
    }
    return this.#launching;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const launching = this.#launching;
    this.#launching = null;
    const browser = await launching?.catch(() => null);
    await browser?.close().catch(() => browser.process()?.kill('SIGKILL'));
    await Promise.all([...this.#profileRemovals]);
  }

  async #launch(): Promise<Browser> {
    const executablePath = this.executablePath;
    if (!executablePath || !isExecutable(executablePath)) throw new PdfUnavailableError(executablePath);
    const userDataDir = await mkdtemp(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
    const started = performance.now();
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath,
        headless: true,
        pipe: true,
        args: CHROMIUM_ARGS,
        userDataDir,
        // The service's own shutdown closes the renderer; puppeteer's SIGINT handler would exit the process.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (error) {
      await removeProfile(userDataDir);
      throw new PdfUnavailableError(executablePath, error);
    }
    const pid = browser.process()?.pid;
    this.#launches += 1;
    this.#current = browser;
    browser.once('disconnected', () => {
      const removal = removeProfile(userDataDir).finally(() => this.#profileRemovals.delete(removal));
      this.#profileRemovals.add(removal);
      if (this.#current === browser) this.#current = null;
      if (this.#closed) return;
      this.#losses += 1;
      this.#launching = null;
      this.log({ level: 'warn', event: 'pdf.browser.lost', pid });
      this.onLost();
    });
    this.log({ level: 'info', event: 'pdf.browser.launched', pid, ms: Math.round(performance.now() - started) });
    return browser;
  }
}

/** A browser profile in the temp folder is named after the process that made it: shosho-chromium-<pid>-XXXXXX. */
const PROFILE_PREFIX = 'shosho-chromium-';
const PROFILE = /^shosho-chromium-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Profiles left by a shosho that died without closing its browser (SIGKILL, a crash, the OOM
 * killer): the ones named after a process that no longer runs. Any other folder stays.
 */
export async function removeStaleProfiles(dir = tmpdir()): Promise<string[]> {
  const stale = (await readdir(dir).catch(() => [])).filter((name) => {
    const owner = PROFILE.exec(name)?.[1];
    return owner !== undefined && Number(owner) !== process.pid && !isRunning(Number(owner));
  });
  await Promise.all(stale.map((name) => removeProfile(join(dir, name))));
  return stale;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeProfile(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(() => undefined);
}
