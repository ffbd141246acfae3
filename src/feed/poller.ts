import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { listIssuers, type Issuer } from './issuers.js';
import type { Receiver } from './receive.js';

export interface PollSummary {
  issuer: string;
  requests: number;
  stored: number;
  duplicates: number;
  refused: Array<{ jti: string; err: string; description: string }>;
}

export interface PollerOptions {
  sql: Sql;
  receiver: Receiver;
  log: Logger;
  intervalMs: number;
  requestTimeoutMs?: number;
  maxEvents?: number;
  /** at most this many requests per pollOnce, so one issuer cannot keep a poller forever */
  maxRequests?: number;
}

const MAX_BACKOFF_MS = 15 * 60_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const pollResponseSchema = z.object({
  sets: z.record(z.string(), z.string()).default({}),
  moreAvailable: z.boolean().optional(),
});

export class PollError extends Error {
  override name = 'PollError';
}

/**
 * RFC 8936 poll delivery. A SET is acknowledged only after its transaction committed, and refused
 * ones go back in setErrs; acknowledgements ride on the next request, and a last request with
 * maxEvents 0 delivers them when nothing more is available. A crash in between means redelivery,
 * which ingest treats as a no-op.
 */
export async function pollOnce(issuer: Issuer, opts: PollerOptions): Promise<PollSummary> {
  if (!issuer.feedUrl) throw new PollError(`issuer ${issuer.id} has no feed URL`);
  const summary: PollSummary = { issuer: issuer.id, requests: 0, stored: 0, duplicates: 0, refused: [] };
  let ack: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let more = true;
  const maxRequests = opts.maxRequests ?? 1000;
  while (more || ack.length || Object.keys(setErrs).length) {
    if (summary.requests >= maxRequests) break;
    const maxEvents = more ? (opts.maxEvents ?? 100) : 0;
    const res = await request(issuer, { ack, setErrs, maxEvents, returnImmediately: true }, opts.requestTimeoutMs ?? 10_000);
    summary.requests++;
    ack = [];
    setErrs = {};
    if (maxEvents === 0) break;
    const entries = Object.entries(res.sets);
    const results = await opts.receiver.receive(entries.map(([, t]) => t), 'poll', { client: issuer.feedUrl });
    results.forEach((r, i) => {
      const jti = entries[i]![0];
      if (r.status === 'stored' || r.status === 'duplicate') {
        ack.push(jti);
        summary[r.status === 'stored' ? 'stored' : 'duplicates']++;
      } else {
        const refusal = r.status === 'conflict' ? { err: 'invalid_request', description: r.description } : { err: r.err, description: r.description };
        setErrs[jti] = refusal;
        summary.refused.push({ jti, ...refusal });
      }
    });
    more = res.moreAvailable === true && entries.length > 0;
  }
  return summary;
}

async function request(issuer: Issuer, body: object, timeoutMs: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (issuer.feedToken) headers.authorization = `Bearer ${issuer.feedToken}`;
  let res: Response;
  try {
    res = await fetch(issuer.feedUrl!, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new PollError(`feed ${issuer.feedUrl} unreachable: ${(e as Error).message}`);
  }
  if (!res.ok) throw new PollError(`feed ${issuer.feedUrl} answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new PollError(`feed answer larger than ${MAX_RESPONSE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PollError('feed answer is not JSON');
  }
  const parsed = pollResponseSchema.safeParse(json);
  if (!parsed.success) throw new PollError(`feed answer is not an RFC 8936 poll response: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Records one poll's outcome in issuer_poll_state (what /readyz and /metrics report). */
export async function recordPoll(sql: Sql, issuerId: string, outcome: { summary: PollSummary } | { error: Error }) {
  if ('summary' in outcome) {
    const s = outcome.summary;
    await sql`update issuer_poll_state set last_attempt_at = now(), last_success_at = now(), consecutive_failures = 0,
      events_ingested = events_ingested + ${s.stored}, events_refused = events_refused + ${s.refused.length}
      where issuer_id = ${issuerId}`;
  } else {
    await sql`update issuer_poll_state set last_attempt_at = now(), last_error = ${outcome.error.message}, last_error_at = now(),
      consecutive_failures = consecutive_failures + 1 where issuer_id = ${issuerId}`;
  }
}

/**
 * Polls every issuer with a feed URL, one instance at a time per issuer (a lease row in the
 * database, renewed each cycle), backing off exponentially with jitter while an issuer fails.
 */
export class PollScheduler {
  private readonly holder = randomUUID();
  private readonly nextAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: PollerOptions & { tickMs?: number }) {}

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.tick().catch((e) => this.opts.log.error('poll scheduler tick failed', { err: e }));
      void this.running.finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.tickMs ?? 1000);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.opts.sql`update issuer_poll_state set lease_holder = null, lease_expires_at = null where lease_holder = ${this.holder}`.catch(() => {});
  }

  private async tick(): Promise<void> {
    const issuers = (await listIssuers(this.opts.sql)).filter((i) => i.feedUrl);
    for (const issuer of issuers) {
      if (this.stopped) return;
      if ((this.nextAt.get(issuer.id) ?? 0) > Date.now()) continue;
      if (!(await this.takeLease(issuer.id))) {
        this.nextAt.set(issuer.id, Date.now() + this.opts.intervalMs);
        continue;
      }
      try {
        const summary = await pollOnce(issuer, this.opts);
        await recordPoll(this.opts.sql, issuer.id, { summary });
        this.failures.set(issuer.id, 0);
        this.nextAt.set(issuer.id, Date.now() + this.opts.intervalMs);
        if (summary.stored || summary.refused.length) this.opts.log.info('polled', { ...summary });
      } catch (e) {
        const failures = (this.failures.get(issuer.id) ?? 0) + 1;
        this.failures.set(issuer.id, failures);
        const delay = Math.min(this.opts.intervalMs * 2 ** failures, MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
        this.nextAt.set(issuer.id, Date.now() + delay);
        this.opts.log.warn('poll failed', { issuer: issuer.id, err: e, retryInMs: Math.round(delay) });
        await recordPoll(this.opts.sql, issuer.id, { error: e as Error }).catch(() => {});
      }
    }
  }

  private async takeLease(issuerId: string): Promise<boolean> {
    const ttlSeconds = Math.ceil((this.opts.intervalMs * 2 + 60_000) / 1000);
    const rows = await this.opts.sql`
      update issuer_poll_state set lease_holder = ${this.holder}, lease_expires_at = now() + make_interval(secs => ${ttlSeconds})
      where issuer_id = ${issuerId} and (lease_holder is null or lease_holder = ${this.holder} or lease_expires_at < now())
      returning issuer_id`;
    return rows.length === 1;
  }
}
