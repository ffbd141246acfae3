import { scrypt } from 'node:crypto';
import { scryptMaxmem } from '../domain/index.js';

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
 * scrypt off the event loop with bounded concurrency: at most `concurrency` derivations hold
 * libuv threads (the rest of the pool stays free for fs, dns and jose), the others wait in a
 * FIFO queue, and past `maxQueue` callers are told at once that the service is busy.
 */
export class ScryptPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  derivations = 0;

  constructor(readonly concurrency: number, readonly maxQueue = 256) {}

  async derive(secret: string | Buffer, salt: Buffer, params: ScryptParams, keylen = 32): Promise<Buffer> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new ScryptBusyError('too many key checks queued');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await new Promise<Buffer>((resolve, reject) =>
        scrypt(secret, salt, keylen, { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: scryptMaxmem(params.ln, params.r) }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      );
    } finally {
      this.derivations++;
      const next = this.waiting.shift();
      if (next) next(); // hands our slot straight to the next caller
      else this.active--;
    }
  }

  stats() {
    return { active: this.active, queued: this.waiting.length, derivations: this.derivations };
  }
}
