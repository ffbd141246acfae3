/**
 * PROTOTYPE of a proposed change to src/feed/ingest.ts, loaded only by benchmarks (see register.ts):
 * ingest() stores a group set-based (bench/lib/bulk-ingest.ts) and falls back to the original,
 * SET by SET, whenever any row would not be inserted.
 */
import type { Sql } from '../../../src/db/index.js';
import { ingest as original, type IngestOutcome, type Via } from '../../../src/feed/ingest.js';
import type { VerifiedSet } from '../../../src/feed/verify.js';
import { bulkIngestWith } from '../bulk-ingest.js';

export type { IngestOutcome, Via } from '../../../src/feed/ingest.js';

export function ingest(sql: Sql, sets: readonly VerifiedSet[], via: Via): Promise<IngestOutcome[]> {
  return bulkIngestWith(original, sql, sets, via);
}
