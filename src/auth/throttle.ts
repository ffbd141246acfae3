import type { Queryable, Sql } from '../db/index.js';

export interface Window {
  scope: string;
  subject: string;
  limit: number;
  windowMs: number;
}

/** A reservation nobody decided (the process died, the database went away) stops counting after this. */
export const PENDING_EXPIRY_MS = 60_000;
/** How long an attempt waits for undecided attempts of the same subject before it answers busy. */
const WAIT_FOR_SLOT_MS = 30_000;
/** Attempts of this process waiting so at once; more are answered busy (each wait polls the database). */
const MAX_WAITING = 64;
let waiting = 0;

export type Reservation =
  | { status: 'reserved'; ids: string[] }
  | { status: 'locked'; retryAfterSeconds: number; scope: string }
  /** every remaining try of a window is held by undecided attempts: come back, nothing counted */
  | { status: 'busy'; retryAfterSeconds: number };

interface WindowState {
  locked: boolean;
  retryAfterSeconds: number;
  failures: number;
  pending: number;
  /** seconds until the soonest undecided attempt expires */
  pendingExpiresIn: number;
}

/**
 * Locked when `limit` failures fall within `windowMs` of one another and the last of them is less
 * than `windowMs` ago; the lock then holds until `windowMs` after the last failure (what Retry-After
 * says), not until the oldest one leaves the window.
 */
export async function lockState(db: Queryable, w: Window): Promise<WindowState> {
  const secs = w.windowMs / 1000;
  const [row] = await db<Array<WindowState & { last: Date | null }>>`
    with recent as (
      select at from attempt_failures
      where scope = ${w.scope} and subject = ${w.subject} and pending_until is null
        and at > now() - make_interval(secs => ${2 * secs})
    )
    select
      (select count(*) from recent where at > now() - make_interval(secs => ${secs}))::int as failures,
      exists (
        select 1 from recent f where f.at > now() - make_interval(secs => ${secs})
          and (select count(*) from recent g where g.at > f.at - make_interval(secs => ${secs}) and g.at <= f.at) >= ${w.limit}
      ) as locked,
      greatest(1, ceil(extract(epoch from (select max(at) from recent) + make_interval(secs => ${secs}) - now())))::int as "retryAfterSeconds",
      (select count(*) from attempt_failures
        where scope = ${w.scope} and subject = ${w.subject} and pending_until > now())::int as pending,
      greatest(1, ceil(extract(epoch from (select min(pending_until) from attempt_failures
        where scope = ${w.scope} and subject = ${w.subject} and pending_until > now()) - now())))::int as "pendingExpiresIn"`;
  return {
    locked: row!.locked,
    retryAfterSeconds: row!.retryAfterSeconds ?? 0,
    failures: row!.failures,
    pending: row!.pending,
    pendingExpiresIn: row!.pendingExpiresIn ?? 1,
  };
}

/**
 * Reserves one attempt in every window, under a lock on each subject (taken in the order given, so
 * callers that name their windows in the same order never deadlock), or says why not: a window is
 * locked, or its remaining tries are all held by undecided attempts. In that second case it waits
 * for them to be decided — concurrent attempts with the right secret give their reservation back,
 * so they never lock anything — and answers busy if they take too long.
 */
export async function reserveAttempt(sql: Sql, windows: readonly Window[]): Promise<Reservation> {
  const first = await tryReserve(sql, windows);
  if (first.status !== 'full') return first;
  if (waiting >= MAX_WAITING) return { status: 'busy', retryAfterSeconds: first.retryAfterSeconds };
  waiting++;
  try {
    const deadline = Date.now() + WAIT_FOR_SLOT_MS;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      if (Date.now() + pause > deadline) return { status: 'busy', retryAfterSeconds: first.retryAfterSeconds };
      await new Promise((resolve) => setTimeout(resolve, pause));
      const r = await tryReserve(sql, windows);
      if (r.status !== 'full') return r;
    }
  } finally {
    waiting--;
  }
}

async function tryReserve(sql: Sql, windows: readonly Window[]): Promise<Reservation | { status: 'full'; retryAfterSeconds: number }> {
  return sql.begin(async (tx) => {
    for (const w of windows) await tx`select pg_advisory_xact_lock(hashtextextended(${`${w.scope}:${w.subject}`}, 0))`;
    let full: number | null = null;
    for (const w of windows) {
      const s = await lockState(tx, w);
      if (s.locked) return { status: 'locked' as const, retryAfterSeconds: s.retryAfterSeconds, scope: w.scope };
      if (s.failures + s.pending >= w.limit) full = Math.max(full ?? 0, s.pendingExpiresIn);
    }
    if (full !== null) return { status: 'full' as const, retryAfterSeconds: full };
    const ids: string[] = [];
    for (const w of windows) {
      const [row] = await tx<{ id: string }[]>`
        insert into attempt_failures (scope, subject, pending_until)
        values (${w.scope}, ${w.subject}, now() + make_interval(secs => ${PENDING_EXPIRY_MS / 1000})) returning id`;
      ids.push(row!.id);
    }
    return { status: 'reserved' as const, ids };
  });
}

/** The secret was wrong: the reserved attempts become failures, dated now. */
export async function recordFailure(db: Queryable, ids: readonly string[]): Promise<void> {
  await db`update attempt_failures set pending_until = null, at = now() where id = any(${ids as string[]}::bigint[])`;
}

/** The attempt did not count (right secret, or never checked): its reservations are given back. */
export async function releaseAttempt(db: Queryable, ids: readonly string[]): Promise<void> {
  await db`delete from attempt_failures where id = any(${ids as string[]}::bigint[]) and pending_until is not null`;
}

/** Forgets failures older than a day (they no longer count in any window) and expired reservations. */
export async function pruneFailures(db: Queryable): Promise<number> {
  const rows = await db`delete from attempt_failures where at < now() - interval '1 day' or pending_until < now() returning 1`;
  return rows.length;
}
