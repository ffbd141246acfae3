import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: Date;
  action: string;
  outcome: string;
  actor: string;
  orgId: string | null;
  client: string | null;
  requestId: string | null;
  number: string | null;
  subject: string | null;
  detail: Record<string, unknown>;
}

/** A row of audit_log as the entry it records. */
export function toAuditEntry(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at as Date,
    action: r.action as string,
    outcome: r.outcome as string,
    actor: r.actor as string,
    orgId: r.org_id as string | null,
    client: r.client as string | null,
    requestId: r.request_id as string | null,
    number: r.number as string | null,
    subject: r.subject as string | null,
    detail: r.detail as Record<string, unknown>,
  };
}

/** JSON with object keys sorted at every depth: the same entry always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function entryHash(prevHash: string, e: AuditEntry): string {
  const canonical = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    action: e.action,
    outcome: e.outcome,
    actor: e.actor,
    orgId: e.orgId,
    client: e.client,
    requestId: e.requestId,
    number: e.number,
    subject: e.subject,
    detail: e.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
