import { scryptMaxmem } from '../domain/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { ScryptThreads } from './scrypt-threads.js';

export class ScryptBusyError extends Error {
  override name = 'ScryptBusyError';
  readonly code = 'busy';
}

export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * Who is waiting: sign-ins (anyone can send them, unauthenticated), lookups (organisations) and
 * everything else (hashing a new password). Each has its own queue, so a flood of one cannot fill
 * the queue of another.
 */
export type ScryptLane = 'login' | 'lookup' | 'other';
const LANES: readonly ScryptLane[] = ['lookup', 'login', 'other'];

export type Derive = (secret: string | Buffer, salt: Buffer, params: ScryptParams, keylen?: number) => Promise<Buffer>;

/** Jobs that may wait in each lane's queue, per thread running scrypt. */
const QUEUE_PER_THREAD: Record<ScryptLane, number> = { lookup: 32, login: 32, other: 64 };
/** A job not started within this is answered busy: on a slow or crowded machine a full queue is minutes. */
const MAX_WAIT_MS = 10_000;
/**
 * The nice value of the threads deriving keys (-20 highest, 0 everything else's, 19 lowest). Under
 * SCHED_IDLE it does not count; where that policy cannot be set, 19 leaves guessing the least CPU.
 */
export const SCRYPT_NICE = 19;

export interface ScryptPoolOptions {
  /** jobs that may wait in each lane (default: per thread, QUEUE_PER_THREAD) */
  maxQueue?: Record<ScryptLane, number>;
  /** a job not started within this is answered busy */
  maxWaitMs?: number;
  /** told once when the threads cannot lower their CPU priority */
  log?: Logger;
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/** What scrypt costs by its parameters alone, relative to N = 2^14, r = 8, p = 1 (linear in N·r·p). */
function nominalCost(params: ScryptParams): number {
  return (2 ** (params.ln - 14) * params.r * params.p) / 8;
}
/** Derivations of a kind measured before its measured time is trusted over the nominal cost. */
const MIN_SAMPLES = 5;
const SMOOTHING = 0.2;

/**
 * scrypt off the event loop with bounded concurrency: at most `concurrency` jobs run, on as many
 * threads of their own at a lower CPU priority (ScryptThreads). A job holds its slot for all of its
 * derivations, so its time depends on its own work and the jobs ahead of it, not on how finely the
 * others split theirs. Waiting jobs queue per lane and a free slot goes to the lanes in turn, so one
 * lane's burst delays another by at most one job per slot; a full lane's caller is told at once that
 * the service is busy, and so is one that waited too long.
 */
export class ScryptPool {
  private active = 0;
  private readonly waiting = new Map<ScryptLane, Waiter[]>(LANES.map((l) => [l, []]));
  private turn = 0;
  private readonly measured = new Map<string, { ms: number; samples: number }>();
  private readonly maxQueue: Record<ScryptLane, number>;
  private readonly maxWaitMs: number;
  private readonly threads: ScryptThreads;
  derivations = 0;

  constructor(
    readonly concurrency: number,
    options: ScryptPoolOptions = {},
  ) {
    this.maxQueue = options.maxQueue ?? queueLimits(concurrency);
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
    this.threads = new ScryptThreads(concurrency, SCRYPT_NICE, options.log ?? silentLogger);
  }

  /** Whether a job of this lane would be accepted now (checked before work that a busy answer would waste). */
  hasRoom(lane: ScryptLane): boolean {
    return this.active < this.concurrency || this.waiting.get(lane)!.length < this.maxQueue[lane];
  }

  /**
   * Runs `job` holding one slot; throws ScryptBusyError without waiting when the lane's queue is
   * full, or when the job has waited `maxWaitMs` without starting.
   */
  async run<T>(lane: ScryptLane, job: (derive: Derive) => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      const queue = this.waiting.get(lane)!;
      if (queue.length >= this.maxQueue[lane]) throw new ScryptBusyError(`too many ${lane} key checks queued`);
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => {
            clearTimeout(waiter.timer);
            resolve();
          },
          timer: setTimeout(() => {
            queue.splice(queue.indexOf(waiter), 1);
            reject(new ScryptBusyError(`a ${lane} key check waited ${this.maxWaitMs} ms`));
          }, this.maxWaitMs),
        };
        queue.push(waiter);
      });
    } else {
      this.active++;
    }
    try {
      return await job((secret, salt, params, keylen = 32) => this.scrypt(secret, salt, params, keylen));
    } finally {
      const next = this.nextWaiting();
      if (next)
        next.start(); // hands our slot straight to the next caller
      else this.active--;
    }
  }

  derive(secret: string | Buffer, salt: Buffer, params: ScryptParams, keylen = 32, lane: ScryptLane = 'other'): Promise<Buffer> {
    return this.run(lane, (derive) => derive(secret, salt, params, keylen));
  }

  /**
   * What a derivation with `params` costs on this machine relative to one with `reference`: the
   * ratio of their recent measured times once both have been measured, else the nominal ratio. (A
   * small N can cost less than its share when the cache holds it: ln=14 ran at ≈ 0.3 of ln=15 here.)
   */
  relativeCost(params: ScryptParams, reference: ScryptParams): number {
    const a = this.measured.get(paramsKey(params));
    const b = this.measured.get(paramsKey(reference));
    if (a && b && a.samples >= MIN_SAMPLES && b.samples >= MIN_SAMPLES) return a.ms / b.ms;
    return nominalCost(params) / nominalCost(reference);
  }

  stats() {
    let queued = 0;
    for (const q of this.waiting.values()) queued += q.length;
    return { active: this.active, queued, derivations: this.derivations };
  }

  /** The ids of the threads deriving keys that have started. */
  threadIds(): number[] {
    return this.threads.threadIds();
  }

  /** Stops the threads (at service shutdown, when no request is left): what still runs is rejected. */
  close(): Promise<void> {
    return this.threads.close();
  }

  private nextWaiting(): Waiter | undefined {
    for (let i = 0; i < LANES.length; i++) {
      const lane = LANES[(this.turn + i) % LANES.length]!;
      const next = this.waiting.get(lane)!.shift();
      if (next) {
        this.turn = (this.turn + i + 1) % LANES.length;
        return next;
      }
    }
    return undefined;
  }

  private async scrypt(secret: string | Buffer, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
    const { key, ms } = await this.threads.derive({
      secret,
      salt,
      keylen,
      options: { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: scryptMaxmem(params.ln, params.r) },
    });
    this.derivations++;
    const m = this.measured.get(paramsKey(params));
    if (m) this.measured.set(paramsKey(params), { ms: m.ms + SMOOTHING * (ms - m.ms), samples: m.samples + 1 });
    else this.measured.set(paramsKey(params), { ms, samples: 1 });
    return key;
  }
}

function queueLimits(concurrency: number): Record<ScryptLane, number> {
  return {
    lookup: QUEUE_PER_THREAD.lookup * concurrency,
    login: QUEUE_PER_THREAD.login * concurrency,
    other: QUEUE_PER_THREAD.other * concurrency,
  };
}

const paramsKey = (p: ScryptParams) => `${p.ln}/${p.r}/${p.p}`;
