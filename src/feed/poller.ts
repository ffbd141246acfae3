import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { BodyTooLarge, NotJson, readBoundedJson } from './bounded-read.js';
import { listIssuers, type Issuer } from './issuers.js';
import type { Receiver } from './receive.js';
import { MAX_SET_BYTES } from './set-rules.js';

export interface PollSummary {
  issuer: string;
  requests: number;
  stored: number;
  duplicates: number;
  refused: Array<{ jti: string; err: string; description: string }>;
  /** SETs that could not be checked or stored now: neither acknowledged nor reported, so they come again */
  deferred: Array<{ jti: string; description: string }>;
  /** SETs beyond the maxEvents asked for, left unacknowledged for a later request */
  overDelivered: number;
  /** the round ended on its time budget or page bound while the issuer had more */
  moreAvailable: boolean;
}

export interface PollerOptions {
  sql: Sql;
  receiver: Receiver;
  log: Logger;
  intervalMs: number;
  requestTimeoutMs?: number;
  maxEvents?: number;
  /** at most this many pages of events per round, so one issuer cannot keep a poller forever */
  maxRequests?: number;
  /** no new page is asked for after this many ms of a round */
  roundBudgetMs?: number;
  /** a scheduler's lease lasts this long unless renewed (renewed every third of it while polling) */
  leaseMs?: number;
  /** aborts the round: no further request, the one under way cancelled */
  signal?: AbortSignal;
  /** called before every request; throws to end the round (the scheduler's lease check) */
  beforeRequest?: () => Promise<void>;
}

const MAX_BACKOFF_MS = 15 * 60_000;
const DEFAULTS = { requestTimeoutMs: 10_000, maxEvents: 100, maxRequests: 50, roundBudgetMs: 60_000, leaseMs: 15_000 };
/** A member name (a jti, at most 256 characters) and its SET, as JSON, with room to spare. */
const PER_SET_BYTES = MAX_SET_BYTES + 2048;
const pollResponseSchema = z.object({
  sets: z.record(z.string(), z.unknown()).default({}),
  moreAvailable: z.boolean().optional(),
});

export class PollError extends Error {
  override name = 'PollError';
}

/**
 * RFC 8936 poll delivery. A SET is acknowledged only after its transaction committed, and refused
 * ones go back in setErrs; acknowledgements ride on the next request, and a last request with
 * maxEvents 0 delivers them when nothing more is available. A crash in between means redelivery,
 * which ingest treats as a no-op. A SET that cannot be checked now is neither acknowledged nor
 * reported (SPEC §2.3); one SET, however malformed, never fails the others.
 *
 * More SETs than maxEvents in an answer (RFC 8936 §2.2: the transmitter "SHOULD NOT" send more):
 * the first maxEvents are taken and the rest stay unacknowledged, so the issuer delivers them again;
 * refusing the whole answer would stall a feed on one over-eager transmitter.
 */
export async function pollOnce(issuer: Issuer, opts: PollerOptions): Promise<PollSummary> {
  if (!issuer.feedUrl) throw new PollError(`issuer ${issuer.id} has no feed URL`);
  const o = { ...DEFAULTS, ...opts };
  const summary: PollSummary = { issuer: issuer.id, requests: 0, stored: 0, duplicates: 0, refused: [], deferred: [], overDelivered: 0, moreAvailable: false };
  const deadline = Date.now() + o.roundBudgetMs;
  let ack: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let more = true;
  let pages = 0;
  for (;;) {
    const wantPage = more && pages < o.maxRequests && Date.now() < deadline;
    if (!wantPage && ack.length === 0 && Object.keys(setErrs).length === 0) break;
    if (o.signal?.aborted) throw new PollError(`poll of issuer ${issuer.id} stopped: ${String(o.signal.reason)}`);
    await o.beforeRequest?.();
    const maxEvents = wantPage ? o.maxEvents : 0;
    const res = await request(issuer, { ack, setErrs, maxEvents, returnImmediately: true }, o);
    summary.requests++;
    ack = [];
    setErrs = {};
    if (maxEvents === 0) {
      summary.moreAvailable = more;
      break;
    }
    pages++;
    let entries = Object.entries(res.sets);
    if (entries.length > maxEvents) {
      summary.overDelivered += entries.length - maxEvents;
      entries = entries.slice(0, maxEvents);
    }
    const tokens = entries.filter(([, t]) => typeof t === 'string') as Array<[string, string]>;
    const results = await opts.receiver.receive(
      tokens.map(([, t]) => t),
      'poll',
      { client: issuer.feedUrl },
    );
    const verdicts = new Map(tokens.map(([jti], i) => [jti, results[i]!]));
    let decided = 0;
    for (const [jti] of entries) {
      const r = verdicts.get(jti) ?? ({ status: 'refused', err: 'invalid_request', description: 'the SET is not a JSON string' } as const);
      if (r.status === 'stored' || r.status === 'duplicate') {
        ack.push(jti);
        summary[r.status === 'stored' ? 'stored' : 'duplicates']++;
        decided++;
      } else if (r.status === 'unavailable') {
        summary.deferred.push({ jti, description: r.description });
      } else {
        const refusal = r.status === 'refused' ? { err: r.err, description: r.description } : { err: 'invalid_request', description: r.description };
        setErrs[jti] = refusal;
        summary.refused.push({ jti, ...refusal });
        decided++;
      }
    }
    // a page of nothing but deferred SETs would come back unchanged: leave them for the next round
    more = res.moreAvailable === true && decided > 0;
  }
  return summary;
}

async function request(issuer: Issuer, body: object, o: typeof DEFAULTS & PollerOptions) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (issuer.feedToken) headers.authorization = `Bearer ${issuer.feedToken}`;
  const timeout = AbortSignal.timeout(o.requestTimeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const limit = o.maxEvents * PER_SET_BYTES + 64 * 1024;
  let json: unknown;
  try {
    const res = await fetch(issuer.feedUrl!, { method: 'POST', headers, body: JSON.stringify(body), signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new PollError(`feed ${issuer.feedUrl} answered HTTP ${res.status}`);
    }
    json = await readBoundedJson(res, limit);
  } catch (e) {
    if (e instanceof PollError) throw e;
    const what = e instanceof BodyTooLarge || e instanceof NotJson ? 'answer unusable' : 'unreachable';
    throw new PollError(`feed ${issuer.feedUrl} ${what}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = pollResponseSchema.safeParse(json);
  if (!parsed.success) throw new PollError(`feed answer is not an RFC 8936 poll response: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Records one poll's outcome in issuer_poll_state (what /readyz and /metrics report). A round that
 * left SETs it could not check now counts as a failure: the feed is not caught up.
 */
export async function recordPoll(sql: Sql, issuerId: string, outcome: { summary: PollSummary } | { error: Error }) {
  const s = 'summary' in outcome ? outcome.summary : null;
  const error =
    'error' in outcome
      ? outcome.error.message
      : s!.deferred.length
        ? `${s!.deferred.length} SET(s) could not be checked now and will come again: ${s!.deferred[0]!.description}`
        : null;
  const stored = s?.stored ?? 0;
  const refused = s?.refused.length ?? 0;
  if (error === null) {
    await sql`update issuer_poll_state set last_attempt_at = now(), last_success_at = now(), consecutive_failures = 0,
      events_ingested = events_ingested + ${stored}, events_refused = events_refused + ${refused}
      where issuer_id = ${issuerId}`;
  } else {
    await sql`update issuer_poll_state set last_attempt_at = now(), last_error = ${error.slice(0, 2000)}, last_error_at = now(),
      consecutive_failures = consecutive_failures + 1,
      events_ingested = events_ingested + ${stored}, events_refused = events_refused + ${refused}
      where issuer_id = ${issuerId}`;
  }
}

/**
 * Polls every issuer with a feed URL, each on its own (a slow or endless feed delays no other),
 * each round within a time budget and a bound on pages, one instance at a time per issuer: a lease
 * row in the database, taken for a round, renewed while it runs and released after it, so a dead
 * instance's lease lapses within `leaseMs`. An instance that cannot renew its lease stops its round
 * before the next request. Backs off exponentially with jitter while an issuer fails.
 */
export class PollScheduler {
  private readonly holder = randomUUID();
  private readonly nextAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly polling = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: PollerOptions & { tickMs?: number; onRound?: (issuerId: string, outcome: 'ok' | 'failed') => void }) {}

  private get leaseMs(): number {
    return this.opts.leaseMs ?? DEFAULTS.leaseMs;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.ticking = this.tick().catch((e) => this.opts.log.error('poll scheduler tick failed', { err: e }));
      void this.ticking.finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.tickMs ?? 1000);
      });
    };
    tick();
  }

  /** Cancels the rounds under way (what they committed stays; the rest comes again) and releases their leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    this.stopping.abort(new PollError('the service is stopping'));
    await Promise.all(this.polling.values());
  }

  private async tick(): Promise<void> {
    const issuers = (await listIssuers(this.opts.sql)).filter((i) => i.feedUrl);
    for (const issuer of issuers) {
      if (this.stopped) return;
      if (this.polling.has(issuer.id) || (this.nextAt.get(issuer.id) ?? 0) > Date.now()) continue;
      const round = this.round(issuer).finally(() => this.polling.delete(issuer.id));
      this.polling.set(issuer.id, round);
    }
  }

  private async round(issuer: Issuer): Promise<void> {
    if (!(await this.takeLease(issuer.id).catch(() => false))) {
      this.nextAt.set(issuer.id, Date.now() + Math.min(this.opts.intervalMs, this.leaseMs));
      return;
    }
    const leaseLost = new AbortController();
    const renew = async () => {
      if (!(await this.renewLease(issuer.id))) throw new PollError(`lease on issuer ${issuer.id} lost to another instance`);
    };
    const heartbeat = setInterval(() => void renew().catch((e) => leaseLost.abort(e)), this.leaseMs / 3);
    try {
      const summary = await pollOnce(issuer, {
        ...this.opts,
        signal: AbortSignal.any([this.stopping.signal, leaseLost.signal]),
        beforeRequest: renew,
      });
      await recordPoll(this.opts.sql, issuer.id, { summary });
      const failed = summary.deferred.length > 0;
      this.opts.onRound?.(issuer.id, failed ? 'failed' : 'ok');
      this.failures.set(issuer.id, failed ? (this.failures.get(issuer.id) ?? 0) + 1 : 0);
      this.nextAt.set(issuer.id, summary.moreAvailable && !failed ? Date.now() : Date.now() + this.delay(issuer.id));
      if (summary.stored || summary.refused.length || failed) this.opts.log.info('polled', { ...summary });
    } catch (e) {
      if (this.stopping.signal.aborted) return;
      const failures = (this.failures.get(issuer.id) ?? 0) + 1;
      this.failures.set(issuer.id, failures);
      this.opts.onRound?.(issuer.id, 'failed');
      const delay = this.delay(issuer.id);
      this.nextAt.set(issuer.id, Date.now() + delay);
      this.opts.log.warn('poll failed', { issuer: issuer.id, err: e, retryInMs: Math.round(delay) });
      await recordPoll(this.opts.sql, issuer.id, { error: e as Error }).catch(() => {});
    } finally {
      clearInterval(heartbeat);
      await this.releaseLease(issuer.id).catch((e) => this.opts.log.warn('lease not released; it lapses by itself', { issuer: issuer.id, err: e }));
    }
  }

  /** The interval, or while an issuer fails an exponential backoff with jitter. */
  private delay(issuerId: string): number {
    const failures = this.failures.get(issuerId) ?? 0;
    if (failures === 0) return this.opts.intervalMs;
    return Math.min(this.opts.intervalMs * 2 ** failures, MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
  }

  private async takeLease(issuerId: string): Promise<boolean> {
    const rows = await this.opts.sql`
      update issuer_poll_state set lease_holder = ${this.holder}, lease_expires_at = now() + make_interval(secs => ${this.leaseMs / 1000})
      where issuer_id = ${issuerId} and (lease_holder is null or lease_holder = ${this.holder} or lease_expires_at < now())
      returning issuer_id`;
    return rows.length === 1;
  }

  private async renewLease(issuerId: string): Promise<boolean> {
    const rows = await this.opts.sql`
      update issuer_poll_state set lease_expires_at = now() + make_interval(secs => ${this.leaseMs / 1000})
      where issuer_id = ${issuerId} and lease_holder = ${this.holder} and lease_expires_at >= now()
      returning issuer_id`;
    return rows.length === 1;
  }

  private async releaseLease(issuerId: string): Promise<void> {
    await this.opts.sql`update issuer_poll_state set lease_holder = null, lease_expires_at = null
      where issuer_id = ${issuerId} and lease_holder = ${this.holder}`;
  }
}
