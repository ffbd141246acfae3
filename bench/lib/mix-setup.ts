import type { BenchDatabase } from './db.js';
import { HIROSHIMA, registerIssuer, seedOrganisation, session, type BenchIssuer } from './fixtures.js';
import type { MixSetup } from './mix.js';
import { createReferenceTables, growArchive, growRevisions, realValues } from './scale-data.js';

export const RIGHT_KEY = 'QW12-ER34-TY56';

/**
 * Data for the mixed load: `revisions` certificate revisions made in SQL (bench/lib/scale-data.ts),
 * `archived` of 広島県's in its archive (so unlocked: viewable and printable), one session per
 * browser client, an API token.
 */
export async function mixSetup(
  db: BenchDatabase,
  opts: { revisions: number; archived: number; sessions: number },
): Promise<{ setup: MixSetup; issuer: BenchIssuer; org: Awaited<ReturnType<typeof seedOrganisation>> }> {
  const issuer = await registerIssuer(db.sql);
  const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
  const values = await realValues(db.sql, issuer, RIGHT_KEY);
  await createReferenceTables(db.sql);
  await growRevisions(db.sql, values, opts.revisions);
  await growArchive(db.sql, values, HIROSHIMA.id, HIROSHIMA.code, opts.archived);
  await db.sql`vacuum (analyze) certificate_revisions, received_sets, archive_records, unlocks`;
  const views = await db.sql<{ id: string }[]>`select revision_id as id from archive_records where org_id = ${HIROSHIMA.id}`;
  const numbers = await db.sql<{ number: string }[]>`
    select distinct number from certificate_revisions where obligee_code = ${HIROSHIMA.code} order by number limit 400`;
  const sessions = [];
  for (let i = 0; i < opts.sessions; i++) sessions.push(await session(db.sql, org.userIds.tanaka!));
  return {
    issuer,
    org,
    setup: {
      token: org.token,
      sessions,
      viewIds: views.map((v) => v.id),
      rightKey: RIGHT_KEY,
      guessNumbers: numbers.slice(0, 10).map((n) => n.number),
      rightNumbers: numbers.slice(10).map((n) => n.number),
    },
  };
}
