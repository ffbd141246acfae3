import type { Sql, Tx } from '../db/index.js';
import { toAlertJson, type Alert } from './alerts.js';

export type Channel = 'webhook' | 'mail';

/** A claimed notification, with what sending it needs. */
export interface OutboxItem {
  id: string;
  orgId: string;
  channel: Channel;
  alertId: string | null;
  userId: string | null;
  body: string;
  attempts: number;
  createdAt: Date;
  endpoint: { id: string; url: string; secret: string; removed: boolean } | null;
}

export type DeliveryOutcome = { ok: true; status: number | null } | { ok: false; status: number | null; error: string };

/** What a webhook receives (SPEC §10); fixed when queued, so every retry sends the same bytes. */
export function webhookBody(alert: Alert): string {
  return JSON.stringify({ type: 'alert.created', timestamp: alert.createdAt.toISOString(), data: toAlertJson(alert) });
}

/**
 * Queues, in the transaction that raised the alerts, one webhook per live endpoint of the
 * organisation and one mail per user who wants each alert by mail: one statement for them all.
 */
export async function enqueueAlertNotifications(tx: Tx, raised: ReadonlyArray<{ orgId: string; alert: Alert }>): Promise<void> {
  if (raised.length === 0) return;
  await tx`
    with raised as (
      select * from unnest(${raised.map((r) => r.orgId)}::text[], ${raised.map((r) => r.alert.id)}::uuid[],
                           ${raised.map((r) => webhookBody(r.alert))}::text[], ${raised.map((r) => JSON.stringify({ alert: r.alert.id }))}::text[])
        as r(org_id, alert_id, webhook_body, mail_body)
    )
    insert into outbox (org_id, channel, endpoint_id, user_id, alert_id, body)
    select r.org_id, 'webhook', e.id, null, r.alert_id, r.webhook_body
    from raised r join webhook_endpoints e on e.org_id = r.org_id and e.removed_at is null
    union all
    select r.org_id, 'mail', null, u.id, r.alert_id, r.mail_body
    from raised r join users u on u.org_id = r.org_id and u.email is not null and u.notify = 'each' and u.disabled_at is null`;
}

/** Queues one digest mail for each user who asked for one and whose organisation had alerts that JST day. */
export async function enqueueDigests(sql: Sql, day: string, bounds: { start: Date; end: Date }): Promise<number> {
  const rows = await sql`
    insert into outbox (org_id, channel, user_id, body, dedupe_key)
    select u.org_id, 'mail', u.id, json_build_object('digest', ${day}::text)::text, concat_ws(' ', 'digest', u.id, ${day}::text)
    from users u
    where u.notify = 'digest' and u.email is not null and u.disabled_at is null
      and exists (select 1 from alerts a where a.org_id = u.org_id and a.created_at >= ${bounds.start} and a.created_at < ${bounds.end})
    on conflict (dedupe_key) do nothing
    returning id`;
  return rows.length;
}

interface OutboxRow {
  id: string;
  org_id: string;
  channel: Channel;
  alert_id: string | null;
  user_id: string | null;
  body: string;
  attempts: number;
  created_at: Date;
  endpoint_id: string | null;
  url: string | null;
  secret: string | null;
  removed_at: Date | null;
}

/**
 * Claims up to `limit` due notifications by moving their lease forward in one statement. The lease
 * is re-checked on the row being updated, so two instances never both claim a row; a claimer that
 * dies leaves its lease to expire, and the row is claimed again (at least once).
 */
export async function claimDue(sql: Sql, limit: number, leaseMs: number, channels: readonly Channel[]): Promise<OutboxItem[]> {
  const rows = await sql<OutboxRow[]>`
    with claimed as (
      update outbox o set locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = o.attempts + 1, last_attempt_at = now()
      where o.id in (select id from outbox where delivered_at is null and given_up_at is null and next_attempt_at <= now()
                       and (locked_until is null or locked_until < now()) and channel in ${sql(channels)}
                     order by next_attempt_at limit ${limit} for update skip locked)
        and o.delivered_at is null and (o.locked_until is null or o.locked_until < now())
      returning o.*
    )
    select c.id, c.org_id, c.channel, c.alert_id, c.user_id, c.body, c.attempts, c.created_at, c.endpoint_id, e.url, e.secret, e.removed_at
    from claimed c left join webhook_endpoints e on e.id = c.endpoint_id`;
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    channel: r.channel,
    alertId: r.alert_id,
    userId: r.user_id,
    body: r.body,
    attempts: r.attempts,
    createdAt: r.created_at,
    endpoint: r.endpoint_id ? { id: r.endpoint_id, url: r.url!, secret: r.secret!, removed: r.removed_at !== null } : null,
  }));
}

/** Retries run for at least this long after a notification was queued (SPEC §10). */
const RETRY_FOR_MS = 24 * 3_600_000;

/** The wait before attempt n + 1: doubling from `retryMs`, at most 128 times it (about an hour at the default). */
function backoffMs(retryMs: number, attempts: number): number {
  return retryMs * 2 ** Math.min(Math.max(attempts - 1, 0), 7);
}

/** Records an attempt's outcome; a failure is retried later, or given up once the retry period is over. */
export async function recordOutcome(sql: Sql, item: OutboxItem, outcome: DeliveryOutcome, retryMs: number, endpointGone = false): Promise<void> {
  if (outcome.ok) {
    // last_error stays: admins see what failed before it went through
    await sql`update outbox set delivered_at = now(), locked_until = null, last_status = ${outcome.status}
              where id = ${item.id} and delivered_at is null`;
    return;
  }
  const giveUp = endpointGone || Date.now() - item.createdAt.getTime() >= RETRY_FOR_MS;
  await sql`
    update outbox set locked_until = null, last_status = ${outcome.status}, last_error = ${outcome.error.slice(0, 500)}, last_error_at = now(),
      next_attempt_at = now() + make_interval(secs => ${backoffMs(retryMs, item.attempts) / 1000}),
      given_up_at = ${giveUp ? sql`now()` : null}
    where id = ${item.id} and delivered_at is null`;
}
