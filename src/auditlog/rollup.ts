import type { Sql } from '../db/index.js';
import { appendAudit, recordAudit, type NewAuditEntry } from './log.js';
import type { AuditAction } from './actions.js';

/** Entries of one kind from one client written in full each minute; the rest are counted. */
export const FULL_ENTRIES_PER_MINUTE = 10;
/** Distinct things tried (usernames, refusal codes) named one by one in a summary; the rest are summed. */
const TALLY_KEYS = 20;
const OTHER = '(others)';

/**
 * For what clients that are not signed in can make shosho record (a failed login, a refused push):
 * per client, action and outcome, the first FULL_ENTRIES_PER_MINUTE entries of each minute are
 * appended in full, the others are counted (how many, when the first and last came, and per
 * `tally` — the username tried, the refusal code) and later appended as one summary entry by
 * flushAuditRollups(). One client can so append at most FULL_ENTRIES_PER_MINUTE + 1 entries of a
 * kind a minute, and the auditor still sees every attempt counted. Resolves once counted or written.
 */
export async function recordUnauthenticatedAudit(sql: Sql, entry: NewAuditEntry & { client: string }, tally: string): Promise<void> {
  const key = tally.slice(0, 100);
  const [row] = await sql<{ seen: number }[]>`
    insert into audit_rollups (action, outcome, client, window_start, seen, first_at, last_at)
    values (${entry.action}, ${entry.outcome}, ${entry.client}, date_trunc('minute', now()), 1, now(), now())
    on conflict (action, outcome, client, window_start) do update set
      seen = audit_rollups.seen + 1,
      last_at = now(),
      first_at = case when audit_rollups.seen = ${FULL_ENTRIES_PER_MINUTE} then now() else audit_rollups.first_at end,
      tally = case
        when audit_rollups.seen < ${FULL_ENTRIES_PER_MINUTE} then audit_rollups.tally
        else (select jsonb_set(audit_rollups.tally, array[k], to_jsonb(coalesce((audit_rollups.tally ->> k)::int, 0) + 1))
              from (select case when audit_rollups.tally ? ${key}
                                  or (select count(*) from jsonb_object_keys(audit_rollups.tally)) < ${TALLY_KEYS}
                                then ${key}::text else ${OTHER}::text end as k) pick)
      end
    returning seen`;
  if (row!.seen <= FULL_ENTRIES_PER_MINUTE) await recordAudit(sql, [entry]);
}

/**
 * Appends one summary entry for each finished minute in which some entries were only counted, and
 * forgets its counters, in one transaction (a crash leaves them for the next flush, never half
 * written). `all` also closes the current minute (at shutdown).
 */
export async function flushAuditRollups(sql: Sql, opts: { all?: boolean } = {}): Promise<number> {
  return sql.begin(async (tx) => {
    const rows = await tx<
      Array<{
        action: AuditAction;
        outcome: string;
        client: string;
        window_start: Date;
        seen: number;
        first_at: Date;
        last_at: Date;
        tally: Record<string, number>;
      }>
    >`
      delete from audit_rollups
      where ${opts.all ? tx`true` : tx`window_start < date_trunc('minute', now())`}
      returning action, outcome, client, window_start, seen, first_at, last_at, tally`;
    const summaries: NewAuditEntry[] = rows
      .filter((r) => r.seen > FULL_ENTRIES_PER_MINUTE)
      .sort((a, b) => a.window_start.getTime() - b.window_start.getTime())
      .map((r) => ({
        action: r.action,
        outcome: r.outcome,
        actor: '(summary)',
        client: r.client,
        detail: {
          summary: {
            minuteFrom: r.window_start.toISOString(),
            writtenInFull: FULL_ENTRIES_PER_MINUTE,
            notWritten: r.seen - FULL_ENTRIES_PER_MINUTE,
            firstNotWritten: r.first_at.toISOString(),
            lastNotWritten: r.last_at.toISOString(),
            tally: r.tally,
          },
        },
      }));
    await appendAudit(tx, summaries);
    return summaries.length;
  });
}
