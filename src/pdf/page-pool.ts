import type { Page } from 'puppeteer';

interface Waiter {
  grant(): void;
  fail(reason: unknown): void;
}

function isReusable(page: Page): boolean {
  return !page.isClosed() && page.browser().connected;
}

function discard(page: Page): void {
  void page.close().catch(() => undefined);
}

/**
 * At most `size` pages render at once; later callers wait in FIFO order. A page is reused
 * only after a clean render: after any error, or an abort, it is closed and replaced.
 */
export class PagePool {
  readonly #idle: Page[] = [];
  readonly #waiters: Waiter[] = [];
  #busy = 0;

  constructor(
    private readonly size: number,
    private readonly openPage: () => Promise<Page>,
  ) {}

  get inUse(): number {
    return this.#busy;
  }

  get queued(): number {
    return this.#waiters.length;
  }

  /** Runs `work` on a page; an abort closes the page so that Chromium stops working for nobody. */
  async withPage<T>(signal: AbortSignal, work: (page: Page) => Promise<T>): Promise<T> {
    await this.#takeSlot(signal);
    let page: Page | undefined;
    let clean = false;
    const closeOnAbort = () => page && discard(page);
    signal.addEventListener('abort', closeOnAbort, { once: true });
    try {
      page = this.#takeIdlePage() ?? (await this.openPage());
      signal.throwIfAborted();
      const result = await work(page);
      clean = true;
      return result;
    } finally {
      signal.removeEventListener('abort', closeOnAbort);
      if (page) {
        if (clean && !signal.aborted && isReusable(page)) this.#idle.push(page);
        else discard(page);
      }
      this.#releaseSlot();
    }
  }

  /** Opens pages ahead of the first request, up to the pool size. */
  async warm(): Promise<void> {
    const missing = this.size - this.#busy - this.#idle.length;
    const pages = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.openPage()));
    for (const page of pages) {
      if (this.#busy + this.#idle.length < this.size) this.#idle.push(page);
      else discard(page);
    }
  }

  /** Forgets idle pages, e.g. when their browser is gone. */
  dropIdle(): void {
    this.#idle.splice(0).forEach(discard);
  }

  failWaiters(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.fail(reason);
  }

  #takeIdlePage(): Page | undefined {
    for (let page = this.#idle.pop(); page; page = this.#idle.pop()) {
      if (isReusable(page)) return page;
      discard(page);
    }
    return undefined;
  }

  #takeSlot(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#busy < this.size && this.#waiters.length === 0) {
      this.#busy += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** A freed slot passes straight to the oldest waiter, so the busy count stays put. */
  #releaseSlot(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#busy -= 1;
  }
}
