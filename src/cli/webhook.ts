import { addWebhook, listWebhooks, removeWebhook, UnsafeUrlError } from '../alerts/index.js';
import { findOrganisation } from '../auth/index.js';
import { formatJst } from '../domain/index.js';
import { cliActor, parse, required } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';
import { withDatabase } from './with-database.js';

/** `shosho webhook add|list|remove` (SPEC §5, §10). */
export const webhookCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values } = parse(rest, { org: { type: 'string' }, url: { type: 'string' } });
    const orgId = required(values.org, '--org');
    const url = required(values.url, '--url');
    return withDatabase(ctx, async (db) => {
      if (!(await findOrganisation(db.sql, orgId))) throw new UsageError(`no organisation ${orgId}`);
      try {
        const { id, secret } = await addWebhook(db.sql, { orgId, url, actor: cliActor(), allowPrivate: ctx.config.webhookAllowPrivate });
        process.stdout.write(`webhook ${id} for ${orgId} → ${url}\nsigning secret (shown once; keep it secret):\n${secret}\n`);
        return 0;
      } catch (e) {
        if (e instanceof UnsafeUrlError) throw new UsageError(`--url ${e.message}`);
        throw e;
      }
    });
  }
  if (sub === 'list') {
    const { values } = parse(rest, { org: { type: 'string' } });
    return withDatabase(ctx, async (db) => {
      const endpoints = await listWebhooks(db.sql, values.org);
      if (endpoints.length === 0) process.stdout.write('no webhooks\n');
      for (const e of endpoints) {
        const state = e.removedAt ? `removed ${formatJst(e.removedAt, 'en')}` : 'active';
        process.stdout.write(
          `${e.id}  ${e.orgId}  ${e.url}  ${state}  delivered ${e.delivered}, retrying ${e.pending}, failed ${e.failed}` +
            (e.lastError ? `  last failure ${formatJst(e.lastErrorAt!, 'en')}: ${e.lastError}` : '') +
            '\n',
        );
      }
      return 0;
    });
  }
  if (sub === 'remove') {
    const { positionals } = parse(rest, {});
    const id = required(positionals[0], 'webhook ID');
    return withDatabase(ctx, async (db) => {
      if (!(await removeWebhook(db.sql, id, cliActor()))) throw new UsageError(`no active webhook ${id}`);
      process.stdout.write(`webhook ${id} removed\n`);
      return 0;
    });
  }
  throw new UsageError('webhook needs a subcommand: add, list or remove');
};
