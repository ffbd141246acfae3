import { recordAudit, recordUnauthenticatedAudit } from '../auditlog/index.js';
import { GroupCommit, type Sql } from '../db/index.js';
import { sha256Hex } from '../domain/index.js';
import type { Logger } from '../log/index.js';
import { ingest, type IngestOutcome, type Via } from './ingest.js';
import { KeysUnavailable, type KeyStore } from './keystore.js';
import type { SetRefusal } from './set-rules.js';
import { verifySet, type VerifiedSet } from './verify.js';

/**
 * `refused`, `conflict` and `unstorable` are proven bad and final; `unavailable` means the SET could
 * not be checked or stored now (JWKS or database unreachable) and must be delivered again.
 */
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
    if (!s) {
      s = new GroupCommit((sets) => ingestInLockOrder(deps.sql, sets, via), { maxBatch: deps.maxBatch ?? 500, maxInFlight });
      stores.set(via, s);
    }
    return s;
  };

  return {
    async receive(tokens, via, origin = {}) {
      const checked = await Promise.all(
        tokens.map((t) =>
          verifySet(t, deps).catch((e: unknown) => {
            deps.log.warn('SET cannot be checked now', { via, err: e });
            return { ok: false as const, ...unavailable(e) };
          }),
        ),
      );
      const verified: VerifiedSet[] = [];
      for (const c of checked) if (c.ok) verified.push(c.value);
      const outcomes = await storeFor(via)
        .submit(verified)
        .catch((e: unknown) => {
          deps.log.warn('SETs could not be stored now; they are to be delivered again', { via, count: verified.length, err: e });
          return verified.map((): IngestOutcome => ({ status: 'unavailable', description: 'the group commit failed' }));
        });
      const refusals = checked.flatMap((c, i) => (c.ok || 'status' in c ? [] : [{ token: tokens[i]!, err: c.err, description: c.description }]));
      let auditFailure: unknown = null;
      if (refusals.length) {
        for (const r of refusals) deps.log.warn('SET refused', { via, err: r.err, description: r.description });
        const entries = refusals.map((r) => ({
          action: 'feed.ingest' as const,
          outcome: 'refused',
          actor: `${via}:${origin.client ?? 'unknown'}`,
          client: origin.client ?? null,
          requestId: origin.requestId ?? null,
          detail: { via, err: r.err, description: r.description, sha256: sha256Hex(r.token) },
        }));
        // a refusal not in the audit log is not given: the SET comes again and is refused then.
        // Anyone can push: what a pushing client can append is bounded (auditlog/rollup.ts)
        const client = via === 'push' ? origin.client : undefined;
        const audited = client
          ? (async () => {
              for (const e of entries) await recordUnauthenticatedAudit(deps.sql, { ...e, client }, e.detail.err);
            })()
          : recordAudit(deps.sql, entries);
        auditFailure = await audited.then(
          () => null,
          (e: unknown) => {
            deps.log.warn('refusals could not be audited; the SETs are to be delivered again', { via, err: e });
            return e;
          },
        );
      }
      let next = 0;
      return checked.map((c): ReceiveResult => {
        if (c.ok) {
          const outcome = outcomes[next++]!;
          if (outcome.status !== 'unavailable') return outcome;
          deps.log.warn('SET could not be stored now; it is to be delivered again', { via, jti: c.value.jti, description: outcome.description });
          return unavailable(null);
        }
        if ('status' in c) return { status: c.status, description: c.description };
        if (auditFailure) return unavailable(auditFailure);
        return { status: 'refused', err: c.err, description: c.description };
      });
    },
  };
}

/**
 * A failure to check or store is never a verdict on the SET (SPEC §2.3). The issuer learns why when
 * its own JWKS is the cause; shosho's own failures are logged, not told.
 */
function unavailable(e: unknown): { status: 'unavailable'; description: string } {
  const description = e instanceof KeysUnavailable ? e.message : 'shosho cannot check or store the SET now; deliver it again later';
  return { status: 'unavailable', description };
}

/**
 * ingest() with the SETs in (issuer, jti) order, outcomes given back in the caller's order: two
 * groups in flight at once then take the unique-index locks of a SET delivered to both in the same
 * order, and wait for each other instead of deadlocking.
 */
async function ingestInLockOrder(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  const order = sets.map((_, i) => i).sort((a, b) => compareKey(sets[a]!, sets[b]!));
  const sorted = await ingest(
    sql,
    order.map((i) => sets[i]!),
    via,
  );
  const outcomes = new Array<IngestOutcome>(sets.length);
  order.forEach((original, position) => {
    outcomes[original] = sorted[position]!;
  });
  return outcomes;
}

function compareKey(a: VerifiedSet, b: VerifiedSet): number {
  const ka = `${a.issuer.id}\u0000${a.jti}`;
  const kb = `${b.issuer.id}\u0000${b.jti}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
