/**
 * The receiver as it was before group commit (git 236fe3e, src/feed/receive.ts), loaded only by
 * benchmarks (see register.ts) to measure the group-commit change against it in the same run:
 * one ingest transaction per receive() call, so one per push.
 */
import { recordAudit } from '../../../src/auditlog/index.js';
import type { Sql } from '../../../src/db/index.js';
import type { Logger } from '../../../src/log/index.js';
import { ingest, type IngestOutcome, type Via } from '../../../src/feed/ingest.js';
import type { KeyStore } from '../../../src/feed/keystore.js';
import { sha256Hex } from '../../../src/domain/index.js';
import type { SetRefusal } from '../../../src/feed/set-rules.js';
import { verifySet, type VerifiedSet } from '../../../src/feed/verify.js';

export type ReceiveResult = IngestOutcome | ({ status: 'refused' } & SetRefusal);

export interface Receiver {
  /** Verifies and stores a batch of SETs (one transaction for the accepted ones); one result per token. */
  receive(tokens: readonly string[], via: Via, origin?: { client?: string; requestId?: string }): Promise<ReceiveResult[]>;
}

export function createReceiver(deps: { sql: Sql; keys: KeyStore; audience: string; log: Logger }): Receiver {
  return {
    async receive(tokens, via, origin = {}) {
      const checked = await Promise.all(tokens.map((t) => verifySet(t, deps)));
      const verified: VerifiedSet[] = [];
      for (const c of checked) if (c.ok) verified.push(c.value);
      const outcomes = await ingest(deps.sql, verified, via);
      const refusals = checked.flatMap((c, i) => (c.ok ? [] : [{ token: tokens[i]!, err: c.err, description: c.description }]));
      if (refusals.length) {
        for (const r of refusals) deps.log.warn('SET refused', { via, err: r.err, description: r.description });
        await recordAudit(deps.sql, refusals.map((r) => ({
          action: 'feed.ingest', outcome: 'refused', actor: `${via}:${origin.client ?? 'unknown'}`, client: origin.client ?? null,
          requestId: origin.requestId ?? null, detail: { via, err: r.err, description: r.description, sha256: sha256Hex(r.token) },
        })));
      }
      let next = 0;
      return checked.map((c) => (c.ok ? outcomes[next++]! : { status: 'refused' as const, err: c.err, description: c.description }));
    },
  };
}
