import { recordAudit } from '../auditlog/index.js';
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
