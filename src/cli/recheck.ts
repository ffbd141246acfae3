import fs from 'node:fs';
import { recheckAll, type VerificationReport } from '../audit/index.js';
import { KeyStore } from '../feed/index.js';
import { cliActor, parse } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';
import { withDatabase } from './with-database.js';

/**
 * `shosho recheck --org ID | --all [--report FILE]`: the §6 checks over every archived record, with
 * a progress bar on standard error, a summary on standard output and every report in a JSON file.
 * Exit 0 when all passed, 1 when any failed, 3 when none failed but some could not be decided.
 */
export const recheckCommand: Command = async (args, ctx) => {
  const { values } = parse(args, { org: { type: 'string' }, all: { type: 'boolean' }, report: { type: 'string' } });
  if (!!values.org === !!values.all) throw new UsageError('recheck needs exactly one of --org ID or --all');
  const reportFile = values.report ?? `recheck-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  return withDatabase(ctx, async (db) => {
    const keys = new KeyStore(db.sql, { log: ctx.log });
    const scope = values.all ? { all: true as const } : { orgId: values.org! };
    const reports = await recheckAll(db.sql, keys, ctx.config.audience, { ...scope, actor: cliActor(), onProgress: progressBar });
    const count = (r: VerificationReport['result']) => reports.filter((x) => x.result === r).length;
    const summary = {
      checkedAt: new Date().toISOString(),
      scope,
      total: reports.length,
      passed: count('passed'),
      failed: count('failed'),
      indeterminate: count('indeterminate'),
    };
    fs.writeFileSync(reportFile, `${JSON.stringify({ summary, reports }, null, 2)}\n`);
    process.stdout.write(`rechecked ${summary.total}: ${summary.passed} passed, ${summary.failed} failed, ${summary.indeterminate} indeterminate\n`);
    for (const r of reports.filter((x) => x.result !== 'passed')) {
      const bad = r.checks.filter((c) => c.result !== 'passed').map((c) => `${c.name} ${c.result}: ${c.detail}`);
      process.stdout.write(`  ${r.subject.archiveId} ${r.subject.number} rev ${r.subject.revision}: ${r.result}\n    ${bad.join('\n    ')}\n`);
    }
    process.stdout.write(`report: ${reportFile}\n`);
    return summary.failed ? 1 : summary.indeterminate ? 3 : 0;
  });
};

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY && done !== total && done % 100 !== 0) return;
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}
