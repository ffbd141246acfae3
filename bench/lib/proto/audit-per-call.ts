/**
 * recordAudit() as it was before group commit (src/auditlog/log.ts before 059077b), loaded only by
 * benchmarks (see register.ts) to measure that change in the same run: each call appends its
 * entries in a transaction of its own, taking the chain's advisory lock once per call.
 * Everything else is the module as it is.
 */
import type { Sql } from '../../../src/db/index.js';
import { appendAudit, type NewAuditEntry } from '../../../src/auditlog/log.js';

export * from '../../../src/auditlog/log.js';

export function recordAudit(sql: Sql, entries: readonly NewAuditEntry[]): Promise<void> {
  return sql.begin((tx) => appendAudit(tx, entries)).then(() => undefined);
}
