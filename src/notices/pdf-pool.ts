import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PositionedText } from './layout.js';

/** `timeout`: the caller's time ran out (its signal aborted) before the file was read. */
export type PdfFailure = 'encrypted' | 'unreadable' | 'too_large' | 'timeout';
export type PdfText = { ok: true; pages: PositionedText[][] } | { ok: false; code: PdfFailure };

export interface PdfPoolOptions {
  /** workers reading at once (default: the cores, at most 2) */
  size?: number;
  /** a file still being read after this is given up and its worker killed */
  deadlineMs?: number;
  /** V8 heap of each worker */
  maxHeapMb?: number;
  /** more pages than this is no key notice */
  maxPages?: number;
  /** decoded PDF data (streams, fonts) a worker may hold, outside its heap */
  maxBufferMb?: number;
}

interface Job {
  data: ArrayBuffer;
  /** whose file it is (a request's signal): a free worker goes first to someone it is not already reading for */
  owner: AbortSignal | undefined;
  resolve(result: PdfText): void;
}

const TIMED_OUT: PdfText = { ok: false, code: 'timeout' };

const WORKER_URL = new URL('./pdf-worker.mjs', import.meta.url);

/**
 * Reads the text of untrusted PDFs in worker threads. A worker that passes the deadline, runs out
 * of memory or dies is thrown away and replaced; the file it was reading gets a problem answer.
 */
export class PdfTextPool {
  private readonly queue: Job[] = [];
  private readonly slots: Slot[];
  private closed = false;

  constructor(private readonly options: PdfPoolOptions = {}) {
    const size = options.size ?? Math.min(2, availableParallelism());
    this.slots = Array.from({ length: size }, () => new Slot(this));
  }

  get deadlineMs(): number {
    return this.options.deadlineMs ?? 5000;
  }
  get maxPages(): number {
    return this.options.maxPages ?? 100;
  }
  get maxBufferBytes(): number {
    return (this.options.maxBufferMb ?? 128) * 1024 * 1024;
  }
  get maxHeapMb(): number {
    return this.options.maxHeapMb ?? 192;
  }

  /** The text of one file; when `signal` aborts first, `timeout`, and a worker reading it is killed. */
  extract(data: ArrayBuffer, signal?: AbortSignal): Promise<PdfText> {
    if (this.closed) return Promise.resolve({ ok: false, code: 'unreadable' });
    if (signal?.aborted) return Promise.resolve(TIMED_OUT);
    return new Promise((resolve) => {
      const abandon = () => this.abandon(job);
      const job: Job = {
        data,
        owner: signal,
        resolve: (result) => {
          signal?.removeEventListener('abort', abandon);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  private abandon(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting !== -1) {
      this.queue.splice(waiting, 1);
      job.resolve(TIMED_OUT);
    } else {
      for (const slot of this.slots) slot.abandon(job);
    }
  }

  /**
   * @internal a slot asks for its next job. Owners take turns, so a drop of files that each run to
   * the deadline delays another request's file by at most one deadline, not by the whole drop.
   */
  dispatch(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (!slot.idle) continue;
      const served = new Set(this.slots.flatMap((s) => (s.owner === null ? [] : [s.owner])));
      const next = Math.max(
        0,
        this.queue.findIndex((j) => !served.has(j.owner)),
      );
      slot.run(this.queue.splice(next, 1)[0]!);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, code: 'unreadable' });
    await Promise.all(this.slots.map((s) => s.stop()));
  }
}

class Slot {
  private worker: Worker | null = null;
  private ready: Promise<boolean> | null = null;
  private job: Job | null = null;
  /** gives up the job being read: the worker is killed */
  private cancel: (() => void) | null = null;

  constructor(private readonly pool: PdfTextPool) {}

  get idle(): boolean {
    return this.job === null;
  }

  /** the owner of the job being read, null when idle */
  get owner(): AbortSignal | undefined | null {
    return this.job === null ? null : this.job.owner;
  }

  abandon(job: Job): void {
    if (this.job === job) this.cancel?.();
  }

  run(job: Job): void {
    this.job = job;
    this.cancel = () => this.finish(job, TIMED_OUT, true);
    void this.start().then((ok) => {
      if (this.job !== job) return; // abandoned while the worker started
      if (!ok || !this.worker) return this.finish(job, { ok: false, code: 'unreadable' }, true);
      const worker = this.worker;
      const settle = (result: PdfText, discard: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        this.finish(job, result, discard);
      };
      // a file that needs more than the deadline is too large (or too complex) to be a key notice
      const timer = setTimeout(() => settle({ ok: false, code: 'too_large' }, true), this.pool.deadlineMs);
      const onMessage = (result: PdfText) => settle(result, false);
      // out of memory (ERR_WORKER_OUT_OF_MEMORY), a stack overflow pdf.js did not catch, …
      const onError = (e: Error & { code?: string }) => settle({ ok: false, code: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'too_large' : 'unreadable' }, true);
      // stopped from outside (the pool closing): the file was not read
      const onExit = () => settle({ ok: false, code: 'unreadable' }, true);
      this.cancel = () => settle(TIMED_OUT, true);
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.ref();
      worker.postMessage({ data: job.data, maxPages: this.pool.maxPages, maxBufferBytes: this.pool.maxBufferBytes }, [job.data]);
    });
  }

  private finish(job: Job, result: PdfText, discard = false): void {
    if (this.job !== job) return;
    this.job = null;
    this.cancel = null;
    if (discard) void this.stop();
    else this.worker?.unref();
    job.resolve(result);
    this.pool.dispatch();
  }

  /** A worker that has loaded pdf.js; false when it could not start. */
  private start(): Promise<boolean> {
    if (this.worker && this.ready) return this.ready;
    const worker = new Worker(WORKER_URL, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.pool.maxHeapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    this.worker = worker;
    // pdf.js complains about broken files on the console: nobody needs to read that
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('error', () => {}); // each job listens for its own; this keeps a late one from crashing the service
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.worker = null;
        this.ready = null;
      }
    });
    this.ready = new Promise<boolean>((resolve) => {
      worker.once('message', () => resolve(true));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }
}
