import { EventEmitter } from 'node:events';
import { CERTIFICATE_EVENT, type ReferenceIssuer } from '../../reference-issuer/index.js';
import { certificate } from './issuer.js';

/**
 * Issuers pushing SETs (RFC 8935) at shosho with `workers` requests in flight, each SET retried
 * until it gets 202, as an issuer does. Counts every answer; `until()` waits on answers, not time.
 */
export class SetLoad {
  readonly accepted = new Set<string>();
  readonly statuses = new Map<number | 'network', number>();
  answers = 0;
  private readonly queue: Array<{ jti: string; token: string }> = [];
  private readonly events = new EventEmitter();
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    readonly sets: ReadonlyArray<{ jti: string; token: string }>,
  ) {
    this.queue.push(...sets);
  }

  static async signed(issuer: ReferenceIssuer, count: number, firstNumber: number): Promise<Array<{ jti: string; token: string }>> {
    const payload = await certificate(String(firstNumber), 'AB12CD34');
    const sets = [];
    for (let i = 0; i < count; i++) sets.push(await issuer.sign(CERTIFICATE_EVENT, { ...payload, number: String(firstNumber + i) }));
    return sets;
  }

  start(workers: number): void {
    this.running = true;
    this.workers = Array.from({ length: workers }, () => this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.events.emit('answer'); // wakes workers waiting for a SET to come back
    await Promise.all(this.workers);
  }

  /** Resolves once `done()` holds after some answer; rejects when `abort` settles first. */
  until(done: () => boolean, abort: Promise<unknown>, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.events.off('answer', check);
        resolve();
      };
      this.events.on('answer', check);
      const stop = () => {
        this.events.off('answer', check);
        reject(new Error(`stopped while waiting for ${what}`));
      };
      abort.then(stop, stop);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const set = this.queue.shift();
      if (!set) {
        await new Promise((r) => this.events.once('answer', r));
        continue;
      }
      let status: number | 'network';
      try {
        const res = await fetch(`${this.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: set.token });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 'network';
      }
      if (status === 202) this.accepted.add(set.jti);
      else this.queue.push(set);
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      this.answers++;
      this.events.emit('answer');
      if (status === 'network') await new Promise((r) => setTimeout(r, 50)); // a dead process refuses instantly; do not spin
    }
  }
}
