import { GroupCommit, type Sql, type Tx } from '../db/index.js';
import type { AuditAction } from './actions.js';
import { entryHash, GENESIS_HASH, toAuditEntry, type AuditEntry } from './chain.js';

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'at' | 'action' | 'orgId' | 'client' | 'requestId' | 'number' | 'subject' | 'detail'> & {
  action: AuditAction;
} & Partial<Pick<AuditEntry, 'orgId' | 'client' | 'requestId' | 'number' | 'subject' | 'detail'>>;

/** Any fixed number: every writer of the chain, in every instance, takes this transaction lock. */
const CHAIN_LOCK = 4_727_002;

/**
 * Appends entries inside the caller's transaction, so an action and its entry commit together.
 * The lock serialises writers across instances until commit, keeping seq gapless and the chain whole.
 */
export async function appendAudit(tx: Tx, entries: readonly NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx`select pg_advisory_xact_lock(${CHAIN_LOCK})`;
  const [last] = await tx<{ seq: string; hash: string }[]>`select seq, hash from audit_log order by seq desc limit 1`;
  let seq = last ? Number(last.seq) : 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const at = new Date();
  const rows = entries.map((e) => {
    const entry: AuditEntry = {
      seq: ++seq,
      at,
      action: e.action,
      outcome: e.outcome,
      actor: e.actor,
      orgId: e.orgId ?? null,
      client: e.client ?? null,
      requestId: e.requestId ?? null,
      number: e.number ?? null,
      subject: e.subject ?? null,
      detail: JSON.parse(JSON.stringify(e.detail ?? {})),
    };
    const hash = entryHash(prev, entry);
    const row = {
      seq: entry.seq,
      at,
      action: entry.action,
      outcome: entry.outcome,
      actor: entry.actor,
      org_id: entry.orgId,
      client: entry.client,
      request_id: entry.requestId,
      number: entry.number,
      subject: entry.subject,
      detail: entry.detail,
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  await tx`insert into audit_log ${tx(rows.map((r) => ({ ...r, detail: tx.json(r.detail as never) })))}`;
}

const writers = new WeakMap<Sql, GroupCommit<NewAuditEntry, void>>();

/**
 * For an action with no other write (a view, a download, a refusal): its entries in a transaction
 * of their own, by group commit — entries recorded while another batch commits go into the next
 * one together, so concurrent views take the chain's lock once per batch instead of once each.
 * Resolves once the entries are committed.
 */
export function recordAudit(sql: Sql, entries: readonly NewAuditEntry[]): Promise<void> {
  let writer = writers.get(sql);
  if (!writer) {
    writer = new GroupCommit<NewAuditEntry, void>(
      async (batch) => {
        await sql.begin((tx) => appendAudit(tx, batch));
        return batch.map(() => undefined);
      },
      { maxBatch: 500, maxInFlight: 1 },
    );
    writers.set(sql, writer);
  }
  return writer.submit(entries).then(() => undefined);
}

export interface ChainReport {
  intact: boolean;
  entries: number;
  /** the first entry that does not fit the chain, and why */
  firstBroken: { seq: number; reason: string } | null;
}

/** Recomputes the whole chain in seq order, in pages, and names the first broken link. */
export async function verifyAuditChain(sql: Sql, pageSize = 5000): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows = await sql<Array<Record<string, unknown>>>`
      select seq, at, action, outcome, actor, org_id, client, request_id, number, subject, detail, prev_hash, hash
      from audit_log where seq >= ${expectedSeq} order by seq limit ${pageSize}`;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) return broken(count, expectedSeq, `entry ${expectedSeq} is missing (deleted)`);
      if (r.prev_hash !== prev) return broken(count, seq, 'its prev_hash does not match the hash of the entry before it');
      if (entryHash(prev, toAuditEntry(r)) !== r.hash) return broken(count, seq, 'its content does not match its hash (changed)');
      prev = r.hash as string;
      expectedSeq++;
      count++;
    }
    if (rows.length < pageSize) return { intact: true, entries: count, firstBroken: null };
  }
}

function broken(entries: number, seq: number, reason: string): ChainReport {
  return { intact: false, entries, firstBroken: { seq, reason } };
}

/** An auditor's check of the chain, recorded with what it found (the report may add a lost tail to verifyAuditChain's). */
export function recordChainCheck(
  sql: Sql,
  report: ChainReport,
  who: { actor: string; orgId: string | null; client: string | null; requestId: string | null },
): Promise<void> {
  return recordAudit(sql, [
    {
      action: 'audit.verify',
      outcome: report.intact ? 'intact' : 'broken',
      ...who,
      detail: { entries: report.entries, firstBroken: report.firstBroken },
    },
  ]);
}
