import { recordAudit, type NewAuditEntry } from '../auditlog/index.js';
import type { Sql } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { ingest, type IngestOutcome, type Via } from './ingest.js';
import type { KeyStore } from './keystore.js';
import { sha256Hex, type SetRefusal } from './set-rules.js';
import { verifySet, type VerifiedSet } from './verify.js';

export type ReceiveResult = IngestOutcome | ({ status: 'refused' } & SetRefusal);

export interface Receiver {
  /** Verifies and stores a batch of SETs (one transaction for the accepted ones); one result per token. */
  receive(tokens: readonly string[], via: Via, origin?: { client?: string; requestId?: string }): Promise<ReceiveResult[]>;
}

export interface ReceiverOptions {
  sql: Sql;
  keys: KeyStore;
  audience: string;
  log: Logger;
  /** Group commit: at most this many SETs in one transaction (default 500). */
  maxBatch?: number;
  /** Group commit: at most this many transactions at once (default 2; each holds a connection). */
  maxInFlight?: number;
}

/**
 * Verifies SETs, then stores the accepted ones by group commit: SETs from concurrent callers (many
 * pushes at once, a poll batch) that are verified while a transaction is under way wait for it and
 * then go into the next one together. One transaction per group instead of one per push pays the
 * commit, the audit chain's lock and its entry insert once per group — the chain lock serialises
 * every writer, so without grouping pushes are bounded by commits per second. Each caller still
 * gets its own results, nothing is answered before the transaction holding it committed, and every
 * SET still has its own audit entry. If a group's transaction fails, each caller's SETs are tried
 * again in a transaction of their own, so a failure reaches only the caller it belongs to.
 */
export function createReceiver(deps: ReceiverOptions): Receiver {
  const maxInFlight = deps.maxInFlight ?? 2;
  const stores = new Map<Via, GroupCommit<VerifiedSet, IngestOutcome>>();
  const storeFor = (via: Via) => {
    let s = stores.get(via);
    if (!s) stores.set(via, (s = new GroupCommit((sets) => ingestInLockOrder(deps.sql, sets, via), { maxBatch: deps.maxBatch ?? 500, maxInFlight })));
    return s;
  };
  const refusalAudit = new GroupCommit<NewAuditEntry, void>(
    async (entries) => (await recordAudit(deps.sql, entries), entries.map(() => undefined)),
    { maxBatch: 500, maxInFlight: 1 },
  );

  return {
    async receive(tokens, via, origin = {}) {
      const checked = await Promise.all(tokens.map((t) => verifySet(t, deps)));
      const verified: VerifiedSet[] = [];
      for (const c of checked) if (c.ok) verified.push(c.value);
      const outcomes = await storeFor(via).submit(verified);
      const refusals = checked.flatMap((c, i) => (c.ok ? [] : [{ token: tokens[i]!, err: c.err, description: c.description }]));
      if (refusals.length) {
        for (const r of refusals) deps.log.warn('SET refused', { via, err: r.err, description: r.description });
        await refusalAudit.submit(refusals.map((r) => ({
          action: 'feed.ingest', outcome: 'refused', actor: `${via}:${origin.client ?? 'unknown'}`, client: origin.client ?? null,
          requestId: origin.requestId ?? null, detail: { via, err: r.err, description: r.description, sha256: sha256Hex(r.token) },
        })));
      }
      let next = 0;
      return checked.map((c) => (c.ok ? outcomes[next++]! : { status: 'refused' as const, err: c.err, description: c.description }));
    },
  };
}

/**
 * ingest() with the SETs in (issuer, jti) order, outcomes given back in the caller's order: two
 * groups in flight at once then take the unique-index locks of a SET delivered to both in the same
 * order, and wait for each other instead of deadlocking.
 */
async function ingestInLockOrder(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  const order = sets.map((_, i) => i).sort((a, b) => compareKey(sets[a]!, sets[b]!));
  const sorted = await ingest(sql, order.map((i) => sets[i]!), via);
  const outcomes = new Array<IngestOutcome>(sets.length);
  order.forEach((original, position) => (outcomes[original] = sorted[position]!));
  return outcomes;
}

function compareKey(a: VerifiedSet, b: VerifiedSet): number {
  const ka = `${a.issuer.id}\u0000${a.jti}`;
  const kb = `${b.issuer.id}\u0000${b.jti}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface Waiter<I, O> {
  items: readonly I[];
  resolve(results: O[]): void;
  reject(error: unknown): void;
}

/**
 * Collects items submitted by concurrent callers and commits them in groups: whatever arrived in
 * the same turn of the event loop, or while `maxInFlight` commits were under way, goes into the
 * next commit (up to `maxBatch` items, a caller's items never split). An idle group commit adds no
 * wait beyond one turn of the event loop. Each caller's promise settles after the commit holding
 * its items; when a group fails, each caller is committed alone, so only the one at fault fails.
 */
class GroupCommit<I, O> {
  private readonly waiting: Array<Waiter<I, O>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly commit: (items: readonly I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length) {
      const group: Array<Waiter<I, O>> = [this.waiting.shift()!];
      let size = group[0]!.items.length;
      while (this.waiting.length && size + this.waiting[0]!.items.length <= this.opts.maxBatch) {
        const w = this.waiting.shift()!;
        size += w.items.length;
        group.push(w);
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async run(group: Array<Waiter<I, O>>): Promise<void> {
    let results: O[];
    try {
      results = await this.commit(group.flatMap((w) => w.items));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const w of group) await this.commit(w.items).then(w.resolve, w.reject);
      return;
    }
    let at = 0;
    for (const w of group) {
      w.resolve(results.slice(at, at + w.items.length));
      at += w.items.length;
    }
  }
}
