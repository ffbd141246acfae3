import type { Queryable } from '../db/index.js';
import { decodeCsv } from './csv.js';

/** Keeps an uploaded CSV (as text) until the clerk confirms its preview. */
export async function saveImportDraft(db: Queryable, orgId: string, actor: string, bytes: Uint8Array): Promise<string> {
  await db`delete from contract_import_drafts where created_at < now() - interval '1 day'`;
  const [row] = await db<{ id: string }[]>`
    insert into contract_import_drafts (org_id, created_by, csv) values (${orgId}, ${actor}, ${decodeCsv(bytes)}) returning id`;
  return row!.id;
}

/** The draft's CSV as UTF-8 bytes; null when it is not this organisation's or is gone. */
export async function loadImportDraft(db: Queryable, orgId: string, id: string): Promise<Uint8Array | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [row] = await db<{ csv: string }[]>`select csv from contract_import_drafts where org_id = ${orgId} and id = ${id}`;
  return row ? Buffer.from(row.csv, 'utf8') : null;
}

export async function dropImportDraft(db: Queryable, orgId: string, id: string): Promise<void> {
  await db`delete from contract_import_drafts where org_id = ${orgId} and id = ${id}`;
}
