import type postgres from 'postgres';
import { addApiToken, addOrganisation, addUser, hashPassword, ScryptPool, type Role } from '../../src/auth/index.js';

const pool = new ScryptPool(2);

/** An organisation answering for one obligee code, a user of each given role, and an API token. */
export async function seedOrganisation(
  sql: postgres.Sql,
  org: { id: string; name: string; code: string },
  users: Array<{ username: string; role: Role }> = [],
) {
  await addOrganisation(sql, { id: org.id, name: org.name, obligees: [{ code: org.code, name: null }] });
  const password = `pw-${org.id}-correct-horse`;
  const passwordHash = await hashPassword(pool, password);
  for (const u of users) await addUser(sql, { username: u.username, orgId: org.id, role: u.role, passwordHash });
  const { token } = await addApiToken(sql, org.id, 'test');
  return { password, token };
}
