import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/index.js';

export interface Derivation {
  secret: string | Buffer;
  salt: Buffer;
  keylen: number;
  options: { N: number; r: number; p: number; maxmem: number };
}

/** The key, and how long its thread took to derive it (without waiting for the thread or starting it). */
export interface Derived {
  key: Buffer;
  ms: number;
}

interface Request {
  derivation: Derivation;
  resolve(derived: Derived): void;
  reject(error: Error): void;
}

type WorkerMessage = { tid: number | null; problems: string[] } | { key: Uint8Array; ms: number } | { error: string };

const WORKER_URL = new URL('./scrypt-worker.mjs', import.meta.url);

/**
 * scrypt on `size` worker threads of our own, each lowering its own CPU priority when it starts (to
 * `nice`, and to the SCHED_IDLE policy), so that key checks run on CPU nothing else wants: the event
 * loop, PostgreSQL and the browser come first. Where a thread cannot, it derives all the same and
 * the pool warns once. A thread starts at its first derivation; an idle one does not keep the
 * process alive. A thread that dies rejects the derivation it was running and is replaced by the
 * next one.
 */
export class ScryptThreads {
  private readonly slots: ThreadSlot[];
  private readonly queue: Request[] = [];
  private closed = false;
  private warned = false;

  constructor(
    size: number,
    readonly nice: number,
    private readonly log: Logger,
  ) {
    this.slots = Array.from({ length: size }, () => new ThreadSlot(this));
  }

  derive(derivation: Derivation): Promise<Derived> {
    if (this.closed) return Promise.reject(new Error('key checks have been stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ derivation, resolve, reject });
      this.dispatch();
    });
  }

  /** The ids of the threads running now (those that could read theirs). */
  threadIds(): number[] {
    return this.slots.flatMap((s) => (s.tid === null ? [] : [s.tid]));
  }

  /** @internal a slot is free: the next derivation goes to it. */
  dispatch(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.idle) slot.run(this.queue.shift()!);
    }
  }

  /** @internal a thread could not lower its priority (all or part of it) */
  notLowered(problems: string[]): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn('key checks run at a higher CPU priority than meant: their threads could not lower theirs', { problems });
  }

  /** Stops every thread; derivations waiting or running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const request of this.queue.splice(0)) request.reject(new Error('key checks have been stopped'));
    await Promise.all(this.slots.map((s) => s.stop()));
  }
}

class ThreadSlot {
  private worker: Worker | null = null;
  private request: Request | null = null;
  tid: number | null = null;

  constructor(private readonly threads: ScryptThreads) {}

  get idle(): boolean {
    return this.request === null;
  }

  run(request: Request): void {
    this.request = request;
    const worker = this.worker ?? this.start();
    worker.ref(); // a command waiting for its password hash must not exit
    worker.postMessage(request.derivation);
  }

  private start(): Worker {
    // execArgv: [] so that the worker does not load the parent's loaders (tsx): it is plain JavaScript
    const worker = new Worker(WORKER_URL, { execArgv: [], workerData: { nice: this.threads.nice } });
    this.worker = worker;
    worker.on('message', (message: WorkerMessage) => this.receive(worker, message));
    worker.on('error', (e) => this.lose(worker, e));
    worker.on('exit', (code) => this.lose(worker, new Error(`the key-check thread stopped (exit code ${code})`)));
    return worker;
  }

  private receive(worker: Worker, message: WorkerMessage): void {
    if ('tid' in message) {
      this.tid = message.tid;
      if (message.problems.length) this.threads.notLowered(message.problems);
      return;
    }
    const request = this.request;
    this.request = null;
    worker.unref();
    if ('error' in message) request?.reject(new Error(message.error));
    else request?.resolve({ key: Buffer.from(message.key.buffer, message.key.byteOffset, message.key.byteLength), ms: message.ms });
    this.threads.dispatch();
  }

  /** The thread died (or was stopped): its derivation is rejected and the next one starts another thread. */
  private lose(worker: Worker, error: Error): void {
    if (this.worker !== worker) return; // its 'exit' after its 'error'
    void worker.terminate();
    this.worker = null;
    this.tid = null;
    const request = this.request;
    this.request = null;
    request?.reject(error);
    this.threads.dispatch();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker) await worker.terminate();
  }
}
