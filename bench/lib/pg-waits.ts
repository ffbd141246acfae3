import type postgres from 'postgres';

/**
 * Samples what the database's busy backends are doing (pg_stat_activity wait events) every
 * `everyMs` until stopped: how often they wait on the audit chain's advisory lock, on a row lock,
 * on WAL flush at commit, or for the client (ClientRead: the application is the bottleneck).
 */
export function sampleWaits(sql: postgres.Sql, database: string, everyMs = 50) {
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql<{ w: string; n: number }[]>`
        select coalesce(wait_event_type || ':' || wait_event, 'CPU') as w, count(*)::int as n
        from pg_stat_activity
        where datname = ${database} and pid <> pg_backend_pid() and state <> 'idle'
        group by 1`.catch(() => []);
      samples++;
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop(): Promise<string> {
      stopped = true;
      await loop;
      const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
      return top.map(([w, n]) => `${w} ${(n / samples).toFixed(1)}`).join(', ') || 'none';
    },
  };
}
