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
    seq: e.seq, at: e.at.toISOString(), action: e.action, outcome: e.outcome, actor: e.actor, orgId: e.orgId,
    client: e.client, requestId: e.requestId, number: e.number, subject: e.subject, detail: e.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
