import { z } from 'zod';
import { appendAudit } from '../auditlog/index.js';
import type { Queryable, Sql } from '../db/index.js';
import { isUuid } from '../domain/index.js';
import { isMessageKey, translate, type Lang, type MessageKey } from '../render/index.js';

export const ALERT_TYPES = ['new_revision', 'withdrawn', 'needs_change', 'mismatch', 'missing'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** SPEC §10 alert as the API returns it; `message` is the Japanese sentence saying what to do. */
export interface AlertJson {
  id: string;
  type: AlertType;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  contract: string | null;
  number: string | null;
  kind: string | null;
  revision: number | null;
  message: string;
}

/** An alert as pages show it: the API fields, the message in the page's language and the raw times. */
export interface Alert extends Omit<AlertJson, 'createdAt' | 'resolvedAt' | 'message'> {
  createdAt: Date;
  resolvedAt: Date | null;
  params: AlertParams;
}

/** What a message names besides the alert's own fields. */
export interface AlertParams {
  revisionType?: string;
  reason?: string;
}

export interface AlertRow {
  id: string;
  type: AlertType;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  note: string | null;
  contract: string | null;
  number: string | null;
  kind: string | null;
  revision: number | null;
  params: AlertParams;
  cursor_at: string;
}

export function alertColumns(db: Queryable) {
  return db`id, type, created_at, resolved_at, resolved_by, note, contract, number, kind, revision, params,
    to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`;
}

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    type: row.type,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    note: row.note,
    contract: row.contract,
    number: row.number,
    kind: row.kind,
    revision: row.revision,
    params: row.params ?? {},
  };
}

export function toAlertJson(alert: Alert): AlertJson {
  const { params: _params, ...fields } = alert;
  return {
    ...fields,
    createdAt: alert.createdAt.toISOString(),
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    message: alertMessage(alert, 'ja'),
  };
}

function word(lang: Lang, key: string, fallback: string): string {
  return isMessageKey(key) ? translate(lang, key) : fallback;
}

/** The sentence saying what to do, e.g. 「受注者に第1回変更の認証キーの提出を依頼してください」. */
export function alertMessage(alert: Pick<Alert, 'type' | 'contract' | 'number' | 'kind' | 'revision' | 'params'>, lang: Lang): string {
  const kind = alert.kind ? word(lang, `kind.${alert.kind}`, alert.kind) : '';
  const revisionType = word(lang, `revisionType.${alert.params.revisionType ?? 'change'}`, alert.params.revisionType ?? '');
  const reason = word(lang, `status.withdrawn.${alert.params.reason ?? 'cancelled'}`, alert.params.reason ?? '');
  const key = `alerts.message.${alert.type}` as MessageKey;
  return translate(lang, key, {
    number: alert.number ?? '',
    kind,
    revision: alert.revision ?? 0,
    revisionType,
    reason,
    contract: alert.contract ?? '',
  });
}

export const alertListSchema = z.object({
  open: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v === 'true')),
  type: z
    .enum(ALERT_TYPES)
    .or(z.literal('').transform(() => undefined))
    .optional(),
  contract: z
    .string()
    .trim()
    .max(64)
    .optional()
    .transform((v) => v || undefined),
  cursor: z
    .string()
    .max(200)
    .refine((c) => decodeCursor(c) !== null, 'is not a cursor this list gave out')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type AlertListQuery = z.output<typeof alertListSchema>;

interface Cursor {
  /** 0 open, 1 resolved: pages that list open alerts first page through that order too */
  rank: 0 | 1;
  at: string;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.rank}|${c.at}|${c.id}`).toString('base64url');
}

/** Null for a cursor this code did not make: the schema refuses it (422 naming `cursor`), never a database error. */
function decodeCursor(text: string): Cursor | null {
  const [rank, at, id] = Buffer.from(text, 'base64url').toString().split('|');
  if ((rank !== '0' && rank !== '1') || !at || !id || !isUuid(id) || Number.isNaN(Date.parse(at))) return null;
  return { rank: rank === '1' ? 1 : 0, at, id };
}

/**
 * The organisation's alerts, newest first; `open` keeps only unresolved (true) or resolved (false)
 * ones. With `openFirst` (the page), unresolved alerts come before resolved ones.
 */
export async function listAlerts(db: Queryable, orgId: string, query: AlertListQuery, opts: { openFirst?: boolean } = {}) {
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !after) throw new Error('listAlerts needs a query checked by alertListSchema');
  const rank = opts.openFirst ? db`(case when resolved_at is null then 0 else 1 end)` : db`0`;
  const rows = await db<Array<AlertRow & { rank: 0 | 1 }>>`
    select ${alertColumns(db)}, ${rank} as rank from alerts
    where org_id = ${orgId}
      ${query.open === true ? db`and resolved_at is null` : query.open === false ? db`and resolved_at is not null` : db``}
      ${query.type ? db`and type = ${query.type}` : db``}
      ${query.contract ? db`and contract = ${query.contract}` : db``}
      ${after ? db`and (${rank} > ${after.rank} or (${rank} = ${after.rank} and (created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)))` : db``}
    order by ${opts.openFirst ? db`${rank},` : db``} created_at desc, id desc
    limit ${query.limit + 1}`;
  const items = rows.slice(0, query.limit);
  const last = rows.length > query.limit ? items[items.length - 1] : undefined;
  return { items: items.map(toAlert), next: last ? encodeCursor({ rank: last.rank, at: last.cursor_at, id: last.id }) : null };
}

export async function countOpenAlerts(db: Queryable, orgId: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from alerts where org_id = ${orgId} and resolved_at is null`;
  return row!.n;
}

/** No control or bidirectional characters but tab and line feed in a note, as SPEC §2 asks of `notes`. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** What resolving an alert takes: an optional note. */
export const resolveSchema = z.object({
  note: z
    .string()
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .nullish()
    .transform((v) => v || null),
});

/**
 * Resolves an open alert with an optional note, in one transaction with its audit entry. An alert
 * already resolved is handed back unchanged; another organisation's alert is null (404).
 */
export async function resolveAlert(
  sql: Sql,
  req: { orgId: string; id: string; actor: string; note?: unknown; client?: string | null; requestId?: string | null },
): Promise<Alert | null> {
  const { note } = resolveSchema.parse({ note: req.note });
  if (!isUuid(req.id)) return null;
  return sql.begin(async (tx) => {
    const [updated] = await tx<AlertRow[]>`
      update alerts set resolved_at = now(), resolved_by = ${req.actor}, note = ${note}
      where org_id = ${req.orgId} and id = ${req.id} and resolved_at is null
      returning ${alertColumns(tx)}`;
    if (!updated) {
      const [existing] = await tx<AlertRow[]>`select ${alertColumns(tx)} from alerts where org_id = ${req.orgId} and id = ${req.id}`;
      return existing ? toAlert(existing) : null;
    }
    await appendAudit(tx, [
      {
        action: 'alert.resolve',
        outcome: 'success',
        actor: req.actor,
        orgId: req.orgId,
        number: updated.number,
        subject: updated.id,
        client: req.client ?? null,
        requestId: req.requestId ?? null,
        detail: { type: updated.type, contract: updated.contract, note },
      },
    ]);
    return toAlert(updated);
  });
}
