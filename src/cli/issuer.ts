import fs from 'node:fs';
import { recordAudit } from '../auditlog/index.js';
import { describeIssues } from '../domain/index.js';
import {
  createReceiver,
  findIssuer,
  insertIssuer,
  issuerInputSchema,
  KeyStore,
  listIssuers,
  parseJwks,
  pollOnce,
  recordPoll,
  removeIssuer,
  storeKeys,
} from '../feed/index.js';
import { cliActor, parse, required } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';
import { withDatabase } from './with-database.js';

export const issuerCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    iss: { type: 'string' },
    name: { type: 'string' },
    'jwks-uri': { type: 'string' },
    jwks: { type: 'string' },
    'feed-url': { type: 'string' },
    'feed-token': { type: 'string' },
  });
  switch (sub) {
    case 'add': {
      const input = issuerInputSchema.safeParse({
        id: required(positionals[0], 'issuer ID'),
        iss: values.iss,
        name: values.name,
        jwksUri: values['jwks-uri'],
        jwksInline: values.jwks ? JSON.parse(fs.readFileSync(values.jwks, 'utf8')) : undefined,
        feedUrl: values['feed-url'],
        feedToken: values['feed-token'],
      });
      if (!input.success) throw new UsageError(describeIssues(input.error));
      const inline = input.data.jwksInline ? await parseJwks(input.data.jwksInline) : null;
      if (inline && inline.keys.length === 0)
        throw new UsageError(`--jwks holds no usable key: ${inline.refused.map((r) => `${r.kid}: ${r.reason}`).join('; ')}`);
      return withDatabase(ctx, async (db) => {
        if (await findIssuer(db.sql, { id: input.data.id })) throw new UsageError(`issuer ${input.data.id} already exists`);
        await db.sql.begin(async (tx) => {
          await insertIssuer(tx, input.data);
          if (inline) await storeKeys(tx, input.data.id, inline.keys, ctx.log);
        });
        await recordAudit(db.sql, [
          { action: 'admin.issuer.add', outcome: 'success', actor: cliActor(), subject: input.data.id, detail: { iss: input.data.iss } },
        ]);
        process.stdout.write(`issuer ${input.data.id} added (${input.data.iss})\n`);
        return 0;
      });
    }
    case 'list':
      return withDatabase(ctx, async (db) => {
        for (const i of await listIssuers(db.sql, { includeRemoved: true })) {
          const keys = await new KeyStore(db.sql, { log: ctx.log }).keysOf(i.id);
          process.stdout.write(
            `${i.id}\t${i.iss}\t${i.jwksUri ?? 'inline JWKS'}\t${i.feedUrl ?? 'push only'}\t${keys.length} key(s)${i.removedAt ? '\tremoved' : ''}\n`,
          );
        }
        return 0;
      });
    case 'remove': {
      const id = required(positionals[0], 'issuer ID');
      return withDatabase(ctx, async (db) => {
        if (!(await removeIssuer(db.sql, id))) throw new UsageError(`no active issuer ${id}`);
        await recordAudit(db.sql, [{ action: 'admin.issuer.remove', outcome: 'success', actor: cliActor(), subject: id }]);
        process.stdout.write(`issuer ${id} removed: no new events are accepted; its keys and certificates are kept\n`);
        return 0;
      });
    }
    case 'sync': {
      const id = required(positionals[0], 'issuer ID');
      return withDatabase(ctx, async (db) => {
        const issuer = await findIssuer(db.sql, { id });
        if (!issuer || issuer.removedAt) throw new UsageError(`no active issuer ${id}`);
        if (!issuer.feedUrl) throw new UsageError(`issuer ${id} has no feed URL (push only)`);
        const keys = new KeyStore(db.sql, { log: ctx.log });
        const receiver = createReceiver({ sql: db.sql, keys, audience: ctx.config.audience, log: ctx.log });
        const opts = { sql: db.sql, receiver, log: ctx.log, intervalMs: ctx.config.pollIntervalMs };
        try {
          const summary = await pollOnce(issuer, opts);
          await recordPoll(db.sql, id, { summary });
          process.stdout.write(
            `issuer ${id}: ${summary.stored} stored, ${summary.duplicates} already had, ${summary.refused.length} refused (${summary.requests} request(s))\n`,
          );
          for (const r of summary.refused) process.stdout.write(`  refused ${r.jti}: ${r.err}: ${r.description}\n`);
          for (const d of summary.deferred) process.stdout.write(`  not checkable now, left for the issuer to deliver again ${d.jti}: ${d.description}\n`);
          if (summary.moreAvailable) process.stdout.write(`  the issuer has more: this round ended on its time or page bound; sync again\n`);
          return 0;
        } catch (e) {
          await recordPoll(db.sql, id, { error: e as Error });
          throw e;
        }
      });
    }
    default:
      throw new UsageError(`issuer needs a subcommand: add, list, remove or sync`);
  }
};
