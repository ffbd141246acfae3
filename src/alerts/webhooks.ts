import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { appendAudit } from '../auditlog/index.js';
import type { Queryable, Sql } from '../db/index.js';
import type { DeliveryOutcome, OutboxItem } from './outbox.js';
import { checkWebhookUrl, postJson } from './safe-http.js';
import type { WebhookEndpointItem } from '../render/index.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** An endpoint with its delivery counts: what the admin page shows, plus its id and organisation. */
export interface WebhookEndpoint extends WebhookEndpointItem {
  id: string;
  orgId: string;
}

/** Registers an endpoint; the secret (`whsec_` + base64 of 32 random bytes) is returned once and kept for signing. */
export async function addWebhook(sql: Sql, req: { orgId: string; url: string; actor: string; allowPrivate: boolean }): Promise<{ id: string; secret: string }> {
  const url = checkWebhookUrl(req.url, req.allowPrivate).toString();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into webhook_endpoints (org_id, url, secret) values (${req.orgId}, ${url}, ${secret}) returning id`;
    await appendAudit(tx, [{ action: 'admin.webhook.add', outcome: 'success', actor: req.actor, orgId: req.orgId, subject: row!.id, detail: { url } }]);
    return { id: row!.id, secret };
  });
}

/** Stops sending to an endpoint; what it was sent stays listed. False when there is no such live endpoint. */
export async function removeWebhook(sql: Sql, id: string, actor: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  return sql.begin(async (tx) => {
    const [row] = await tx<{ org_id: string; url: string }[]>`
      update webhook_endpoints set removed_at = now() where id = ${id} and removed_at is null returning org_id, url`;
    if (!row) return false;
    await appendAudit(tx, [{ action: 'admin.webhook.remove', outcome: 'success', actor, orgId: row.org_id, subject: id, detail: { url: row.url } }]);
    return true;
  });
}

/** Endpoints with their delivery state: delivered, still being retried, given up, and the last error. */
export async function listWebhooks(db: Queryable, orgId?: string): Promise<WebhookEndpoint[]> {
  const rows = await db<
    Array<{
      id: string;
      org_id: string;
      url: string;
      created_at: Date;
      removed_at: Date | null;
      delivered: number;
      pending: number;
      failed: number;
      last_error: string | null;
      last_error_at: Date | null;
    }>
  >`
    select e.id, e.org_id, e.url, e.created_at, e.removed_at,
      count(o.id) filter (where o.delivered_at is not null)::int as delivered,
      count(o.id) filter (where o.delivered_at is null and o.given_up_at is null)::int as pending,
      count(o.id) filter (where o.given_up_at is not null)::int as failed,
      (select last_error from outbox x where x.endpoint_id = e.id and x.last_error_at is not null order by x.last_error_at desc limit 1) as last_error,
      (select max(last_error_at) from outbox x where x.endpoint_id = e.id) as last_error_at
    from webhook_endpoints e left join outbox o on o.endpoint_id = e.id
    where ${orgId === undefined ? db`true` : db`e.org_id = ${orgId}`}
    group by e.id
    order by e.org_id, e.created_at`;
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    url: r.url,
    createdAt: r.created_at,
    removedAt: r.removed_at,
    delivered: r.delivered,
    pending: r.pending,
    failed: r.failed,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
  }));
}

/** Recent deliveries to the organisation's endpoints, newest first, for the admin page. */
export async function recentDeliveries(db: Queryable, orgId: string, limit = 50) {
  return db<
    Array<{
      id: string;
      endpoint_id: string;
      url: string;
      alert_id: string | null;
      created_at: Date;
      attempts: number;
      delivered_at: Date | null;
      given_up_at: Date | null;
      next_attempt_at: Date;
      last_status: number | null;
      last_error: string | null;
    }>
  >`
    select o.id, o.endpoint_id, e.url, o.alert_id, o.created_at, o.attempts, o.delivered_at, o.given_up_at, o.next_attempt_at,
      o.last_status, o.last_error
    from outbox o join webhook_endpoints e on e.id = o.endpoint_id
    where o.org_id = ${orgId} and o.channel = 'webhook'
    order by o.created_at desc, o.id desc
    limit ${limit}`;
}

/**
 * One attempt: signed as Standard Webhooks with the outbox row's id as `webhook-id` (the same on
 * every retry) and the time of this attempt as `webhook-timestamp`.
 */
export async function deliverWebhook(item: OutboxItem, allowPrivate: boolean): Promise<DeliveryOutcome> {
  const endpoint = item.endpoint!;
  const msgId = `msg_${item.id}`;
  const now = new Date();
  const signature = new Webhook(endpoint.secret).sign(msgId, now, item.body);
  const headers = { 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
  try {
    const status = await postJson(endpoint.url, headers, item.body, { allowPrivate, timeoutMs: WEBHOOK_TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES });
    return status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `answered HTTP ${status}` };
  } catch (e) {
    return { ok: false, status: null, error: (e as Error).message };
  }
}
