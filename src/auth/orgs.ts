import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import { sha256Hex } from '../domain/index.js';
import type { Role } from './principal.js';

export const orgIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _ (at most 63)');
export const usernameSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1-64 letters, digits or . _ @ -');

export interface Obligee {
  code: string | null;
  name: string | null;
}

export async function addOrganisation(db: Queryable, org: { id: string; name: string; obligees: Obligee[] }): Promise<void> {
  await db`insert into organisations (id, name) values (${org.id}, ${org.name})`;
  for (const o of org.obligees) {
    await db`insert into organisation_obligees (org_id, code, name) values (${org.id}, ${o.code}, ${o.name ? normaliseName(o.name) : null})`;
  }
}

export async function findOrganisation(db: Queryable, id: string): Promise<{ id: string; name: string } | null> {
  const [row] = await db<{ id: string; name: string }[]>`select id, name from organisations where id = ${id}`;
  return row ?? null;
}

/** Names compare after NFKC and without spaces, so 広島県知事 and 広島県 知事 are one obligee. */
export function normaliseName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '');
}

/** Whether a certificate's obligee is one the organisation answers for: by its code (when it has one) or its name. */
export async function answersFor(db: Queryable, orgId: string, obligee: { code?: string | null; name: string }): Promise<boolean> {
  const rows = obligee.code
    ? await db`select 1 from organisation_obligees where org_id = ${orgId} and (code = ${obligee.code} or name = ${normaliseName(obligee.name)}) limit 1`
    : await db`select 1 from organisation_obligees where org_id = ${orgId} and name = ${normaliseName(obligee.name)} limit 1`;
  return rows.length > 0;
}

export async function addUser(db: Queryable, user: { username: string; orgId: string; role: Role; passwordHash: string }): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    insert into users (username, org_id, role, password_hash)
    values (${user.username}, ${user.orgId}, ${user.role}, ${user.passwordHash}) returning id`;
  return row!.id;
}

/** A new API token: shown once, kept only as its SHA-256 (it has 256 bits of entropy, so no scrypt). */
export async function addApiToken(db: Queryable, orgId: string, label: string | null): Promise<{ id: string; token: string }> {
  const token = `shosho_${randomBytes(32).toString('base64url')}`;
  const [row] = await db<{ id: string }[]>`
    insert into api_tokens (org_id, token_hash, label) values (${orgId}, ${sha256Hex(token)}, ${label}) returning id`;
  return { id: row!.id, token };
}
