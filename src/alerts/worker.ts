import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/index.js';
import { jstDayBounds } from '../domain/index.js';
import type { Logger } from '../log/index.js';
import type { Mailer } from './mail.js';
import { claimDue, enqueueDigests, recordOutcome, type Channel, type DeliveryOutcome, type OutboxItem } from './outbox.js';
import { deliverWebhook, WEBHOOK_TIMEOUT_MS } from './webhooks.js';

export interface OutboxWorkerOptions {
  sql: Sql;
  log: Logger;
  retryMs: number;
  allowPrivate: boolean;
  /** null: mail is not configured, and mail rows wait until it is. */
  mailer: Mailer | null;
  /** How often to look for due rows when there were none. */
  idleMs?: number;
  batch?: number;
}

/** A claimed row is someone else's for this long: the webhook deadline and a margin to record the outcome. */
const LEASE_MS = WEBHOOK_TIMEOUT_MS + 5_000;

/**
 * Sends what the outbox holds: claims due rows under a lease, up to `batch` in flight at once, and
 * records each outcome as it comes, so one slow endpoint does not hold up the others. Several
 * instances can run one each; a stopped or killed one leaves its leases to expire.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly sending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: OutboxWorkerOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops claiming and waits for the sends in flight (each ends within the webhook deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.all(this.sending);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain().then(
        (busy) => this.schedule(busy ? 0 : (this.opts.idleMs ?? 1000)),
        (e) => {
          this.opts.log.warn('outbox: claiming notifications failed; trying again', { err: e });
          this.schedule(this.opts.idleMs ?? 1000);
        },
      );
    }, ms);
    this.timer.unref();
  }

  /** Claims as many due rows as there is room for; true when it may be worth claiming again at once. */
  private async drain(): Promise<boolean> {
    const room = (this.opts.batch ?? 20) - this.sending.size;
    if (room <= 0) {
      await Promise.race(this.sending);
      return true;
    }
    const channels: Channel[] = this.opts.mailer ? ['webhook', 'mail'] : ['webhook'];
    const items = await claimDue(this.opts.sql, room, LEASE_MS, channels);
    for (const item of items) {
      const sent: Promise<void> = this.send(item)
        .catch((e) => this.opts.log.warn('outbox: recording a delivery failed; its lease will expire and it is sent again', { id: item.id, err: e }))
        .finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    }
    return items.length === room;
  }

  private async send(item: OutboxItem): Promise<void> {
    const endpointGone = item.channel === 'webhook' && item.endpoint!.removed;
    let outcome: DeliveryOutcome;
    if (endpointGone) outcome = { ok: false, status: null, error: 'the endpoint was removed' };
    else if (item.channel === 'webhook') outcome = await deliverWebhook(item, this.opts.allowPrivate);
    else outcome = await this.opts.mailer!.deliver(item);
    if (!outcome.ok)
      this.opts.log.info('notification not delivered; will retry', { id: item.id, channel: item.channel, attempts: item.attempts, error: outcome.error });
    await recordOutcome(this.opts.sql, item, outcome, this.opts.retryMs, endpointGone);
  }
}

/**
 * Scheduled alert jobs (the daily digest, the missing-guarantee check), one instance at a time: a
 * lease row per job, as the poller has per issuer.
 */
export class AlertJobs {
  private readonly holder = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly opts: { sql: Sql; log: Logger; intervalMs: number; jobs: Record<string, (now: Date) => Promise<void>> }) {}

  start(): void {
    const tick = () => {
      this.running = this.runAll(new Date()).catch((e) => this.opts.log.warn('alert jobs failed; trying again later', { err: e }));
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.opts.sql`update alert_jobs set lease_holder = null, lease_expires_at = null where lease_holder = ${this.holder}`.catch(() => {});
  }

  /** Runs each job this instance holds the lease of; returns the names run. */
  async runAll(now: Date): Promise<string[]> {
    const ran: string[] = [];
    for (const [name, job] of Object.entries(this.opts.jobs)) {
      if (!(await this.takeLease(name))) continue;
      await job(now);
      await this.opts.sql`update alert_jobs set last_run_at = now() where name = ${name}`;
      ran.push(name);
    }
    return ran;
  }

  private async takeLease(name: string): Promise<boolean> {
    await this.opts.sql`insert into alert_jobs (name) values (${name}) on conflict do nothing`;
    const rows = await this.opts.sql`
      update alert_jobs set lease_holder = ${this.holder}, lease_expires_at = now() + make_interval(secs => ${this.opts.intervalMs / 1000})
      where name = ${name} and (lease_holder is null or lease_holder = ${this.holder} or lease_expires_at < now())
      returning name`;
    return rows.length === 1;
  }
}

/** The JST calendar day before `now`. */
export function previousJstDay(now: Date): string {
  return new Date(now.getTime() + 9 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
}

/** The digest job: each user who asked for a digest gets one mail for yesterday (JST), once. */
export function digestJob(sql: Sql) {
  return async (now: Date) => {
    const day = previousJstDay(now);
    await enqueueDigests(sql, day, jstDayBounds(day));
  };
}
