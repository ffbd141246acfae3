import { notifySchema, setUserNotification } from '../alerts/index.js';
import { appendAudit } from '../auditlog/index.js';
import {
  addApiToken,
  addOrganisation,
  addUser,
  findOrganisation,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  orgIdSchema,
  ROLES,
  ScryptPool,
  usernameSchema,
  type Role,
} from '../auth/index.js';
import { cliActor, parse, required } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';
import { withDatabase } from './with-database.js';

export const orgCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub === 'set') return (await import('./ledger.js')).orgSetCommand(rest, ctx);
  if (sub !== 'add') throw new UsageError('org needs a subcommand: add or set');
  const { values, positionals } = parse(rest, { 'obligee-code': { type: 'string', multiple: true }, 'obligee-name': { type: 'string', multiple: true } });
  const id = orgIdSchema.safeParse(required(positionals[0], 'organisation ID'));
  if (!id.success) throw new UsageError(`organisation ID ${id.error.issues[0]!.message}`);
  const name = required(positionals[1], 'organisation NAME');
  const codes = values['obligee-code'] ?? [];
  for (const c of codes) if (!/^[0-9]{6}$/.test(c)) throw new UsageError(`--obligee-code ${c} must be a 6-digit local government code`);
  const names = values['obligee-name'] ?? [];
  const obligees = [...codes.map((code) => ({ code, name: null })), ...names.map((n) => ({ code: null, name: n }))];
  if (obligees.length === 0) obligees.push({ code: null, name });
  return withDatabase(ctx, async (db) => {
    if (await findOrganisation(db.sql, id.data)) throw new UsageError(`organisation ${id.data} already exists`);
    await db.sql.begin(async (tx) => {
      await addOrganisation(tx, { id: id.data, name, obligees });
      await appendAudit(tx, [{ action: 'admin.org.add', outcome: 'success', actor: cliActor(), orgId: id.data, detail: { name, obligees } }]);
    });
    process.stdout.write(`organisation ${id.data} (${name}) added, answering for ${obligees.map((o) => o.code ?? o.name).join(', ')}\n`);
    return 0;
  });
};

export const userCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new UsageError('user needs a subcommand: add');
  const { values, positionals } = parse(rest, { org: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, notify: { type: 'string' } });
  const username = usernameSchema.safeParse(required(positionals[0], 'USERNAME'));
  if (!username.success) throw new UsageError(`USERNAME ${username.error.issues[0]!.message}`);
  const orgId = required(values.org, '--org');
  const role = required(values.role, '--role') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const mail = notifySchema.safeParse({ email: values.email, notify: values.notify });
  if (!mail.success) throw new UsageError(`--${String(mail.error.issues[0]!.path[0])} ${mail.error.issues[0]!.message}`);
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password (read from standard input) must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const passwordHash = await hashPassword(new ScryptPool(1, { log: ctx.log }), password);
  return withDatabase(ctx, async (db) => {
    if (!(await findOrganisation(db.sql, orgId))) throw new UsageError(`no organisation ${orgId}`);
    const [taken] = await db.sql`select 1 from users where lower(username) = ${username.data.toLowerCase()}`;
    if (taken) throw new UsageError(`user ${username.data} already exists`);
    await db.sql.begin(async (tx) => {
      const userId = await addUser(tx, { username: username.data, orgId, role, passwordHash });
      await setUserNotification(tx, userId, { email: mail.data.email ?? null, notify: mail.data.notify });
      await appendAudit(tx, [
        {
          action: 'admin.user.add',
          outcome: 'success',
          actor: cliActor(),
          orgId,
          subject: username.data,
          detail: { role, email: mail.data.email ?? null, notify: mail.data.notify },
        },
      ]);
    });
    process.stdout.write(`user ${username.data} added to ${orgId} as ${role}\n`);
    return 0;
  });
};

export const tokenCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new UsageError('token needs a subcommand: add');
  const { values } = parse(rest, { org: { type: 'string' }, label: { type: 'string' } });
  const orgId = required(values.org, '--org');
  return withDatabase(ctx, async (db) => {
    if (!(await findOrganisation(db.sql, orgId))) throw new UsageError(`no organisation ${orgId}`);
    const created = await db.sql.begin(async (tx) => {
      const t = await addApiToken(tx, orgId, values.label ?? null);
      await appendAudit(tx, [{ action: 'admin.token.add', outcome: 'success', actor: cliActor(), orgId, subject: `token:${t.id}` }]);
      return t;
    });
    process.stdout.write(`API token ${created.id} for ${orgId} (shown once; keep it secret):\n${created.token}\n`);
    return 0;
  });
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data;
}
