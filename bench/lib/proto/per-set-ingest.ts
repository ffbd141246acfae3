/**
 * src/feed/ingest.ts as it was before set-based ingest, loaded only by benchmarks (see register.ts)
 * to measure the change against it in the same run: every SET in its own savepoint.
 */
import { ingestPerSet } from '../../../src/feed/ingest.js';

export type { IngestOutcome, Via } from '../../../src/feed/ingest.js';
export { ingestPerSet, ingestPerSet as ingest };
