import type { Sql } from '../db/index.js';

export interface IssuerFeedStatus {
  issuer: string;
  polled: boolean;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  eventsIngested: number;
  eventsRefused: number;
  consecutiveFailures: number;
  /** the last round failed or left SETs it could not check: see lastError */
  failing: boolean;
  /** seconds since the last successful poll (null: never, or push only) */
  lagSeconds: number | null;
}

export async function feedStatus(sql: Sql): Promise<IssuerFeedStatus[]> {
  const rows = await sql<
    Array<{
      id: string;
      feed_url: string | null;
      last_success_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
      events_ingested: string;
      events_refused: string;
      consecutive_failures: number;
    }>
  >`
    select i.id, i.feed_url, s.last_success_at, s.last_error, s.last_error_at, s.events_ingested, s.events_refused, s.consecutive_failures
    from issuers i join issuer_poll_state s on s.issuer_id = i.id
    where i.removed_at is null order by i.id`;
  return rows.map((r) => ({
    issuer: r.id,
    polled: r.feed_url !== null,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    eventsIngested: Number(r.events_ingested),
    eventsRefused: Number(r.events_refused),
    consecutiveFailures: r.consecutive_failures,
    failing: r.consecutive_failures > 0,
    lagSeconds: r.feed_url && r.last_success_at ? Math.round((Date.now() - r.last_success_at.getTime()) / 1000) : null,
  }));
}
