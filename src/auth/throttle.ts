import type { Queryable } from '../db/index.js';

export interface Window {
  scope: string;
  subject: string;
  limit: number;
  windowMs: number;
}

/** Failures within the window; locked when there are `limit` or more, until `windowMs` after the last. */
export async function lockState(db: Queryable, w: Window, now = new Date()): Promise<{ locked: boolean; retryAfterSeconds: number; failures: number }> {
  const since = new Date(now.getTime() - w.windowMs);
  const [row] = await db<{ n: number; last: Date | null }[]>`
    select count(*)::int as n, max(at) as last from attempt_failures
    where scope = ${w.scope} and subject = ${w.subject} and at > ${since}`;
  const failures = row?.n ?? 0;
  if (failures < w.limit || !row?.last) return { locked: false, retryAfterSeconds: 0, failures };
  const retryAfterSeconds = Math.max(1, Math.ceil((row.last.getTime() + w.windowMs - now.getTime()) / 1000));
  return { locked: true, retryAfterSeconds, failures };
}

export async function recordFailure(db: Queryable, scope: string, subject: string): Promise<void> {
  await db`insert into attempt_failures (scope, subject) values (${scope}, ${subject})`;
}

/** Forgets failures older than a day (they no longer count in any window). */
export async function pruneFailures(db: Queryable): Promise<number> {
  const rows = await db`delete from attempt_failures where at < now() - interval '1 day' returning 1`;
  return rows.length;
}
