import fs from 'node:fs';
import { appendAudit } from '../auditlog/index.js';
import { findOrganisation } from '../auth/index.js';
import { importContracts, setLedgerRules, type LedgerRulesChange } from '../ledger/index.js';
import { cliActor, parse, required } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';
import { withDatabase } from './with-database.js';

function ratio(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/.test(value)) throw new UsageError(`${flag} must be a ratio from 0 to 1 with at most 4 decimals, e.g. 0.1`);
  return Number(value);
}

/** `shosho org set ID [--contract-guarantee-ratio R] [--advance-ratio R] [--interim-ratio R] [--missing-after-days N]` (SPEC §5). */
export const orgSetCommand: Command = async (args, ctx) => {
  const { values, positionals } = parse(args, {
    'contract-guarantee-ratio': { type: 'string' },
    'advance-ratio': { type: 'string' },
    'interim-ratio': { type: 'string' },
    'missing-after-days': { type: 'string' },
  });
  const orgId = required(positionals[0], 'organisation ID');
  const days = values['missing-after-days'];
  if (days !== undefined && !/^\d{1,4}$/.test(days)) throw new UsageError('--missing-after-days must be a whole number of days (0-3650)');
  const change: LedgerRulesChange = {
    contractGuaranteeRatio: ratio(values['contract-guarantee-ratio'], '--contract-guarantee-ratio'),
    advanceRatio: ratio(values['advance-ratio'], '--advance-ratio'),
    interimRatio: ratio(values['interim-ratio'], '--interim-ratio'),
    missingAfterDays: days === undefined ? undefined : Number(days),
  };
  if (change.missingAfterDays !== undefined && change.missingAfterDays > 3650) throw new UsageError('--missing-after-days must be at most 3650');
  if (Object.values(change).every((v) => v === undefined))
    throw new UsageError('org set needs at least one of --contract-guarantee-ratio, --advance-ratio, --interim-ratio, --missing-after-days');
  return withDatabase(ctx, async (db) => {
    if (!(await findOrganisation(db.sql, orgId))) throw new UsageError(`no organisation ${orgId}`);
    await db.sql.begin(async (tx) => {
      await setLedgerRules(tx, orgId, change);
      await appendAudit(tx, [{ action: 'admin.org.set', outcome: 'success', actor: cliActor(), orgId, detail: { ...change } }]);
    });
    process.stdout.write(
      `ledger rules of ${orgId} set: ${Object.entries(change)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}\n`,
    );
    return 0;
  });
};

/** `shosho contract import --org ID FILE.csv`: exit 0 imported, 1 refused with every error listed (SPEC §5). */
export const contractCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub !== 'import') throw new UsageError('contract needs a subcommand: import');
  const { values, positionals } = parse(rest, { org: { type: 'string' } });
  const orgId = required(values.org, '--org');
  const path = required(positionals[0], 'FILE.csv');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return withDatabase(ctx, async (db) => {
    if (!(await findOrganisation(db.sql, orgId))) throw new UsageError(`no organisation ${orgId}`);
    const result = await importContracts(db.sql, orgId, bytes, { actor: cliActor() });
    if (result.errors.length) {
      for (const e of result.errors) process.stderr.write(`${path}:${e.line}${e.field ? ` ${e.field}` : ''}: ${e.message}\n`);
      process.stderr.write(`refused: ${result.errors.length} error(s); nothing was imported\n`);
      return 1;
    }
    process.stdout.write(`imported ${path}: ${result.created} created, ${result.updated} updated\n`);
    return 0;
  });
};
