import { trackContractGuarantees } from '../alerts/index.js';
import { appendAudit } from '../auditlog/index.js';
import { normaliseName } from '../auth/index.js';
import type { Queryable, Sql, Tx } from '../db/index.js';
import { isUuid, type PublicPayload } from '../domain/index.js';
import { requirementOf } from './kinds.js';
import { nameKey } from './names.js';
import type { Actor } from './store.js';

/** A contract reference that the organisation does not have (or a kind the ledger cannot link). */
export class LinkRefused extends Error {
  override name = 'LinkRefused';
  constructor(
    readonly code: 'unknown_contract' | 'kind_not_linkable',
    message: string,
  ) {
    super(message);
  }
}

type ArchivedRow = { id: string; number: string; kind: string; payload: PublicPayload };

async function archived(db: Queryable, orgId: string, archiveId: string): Promise<ArchivedRow | null> {
  if (!isUuid(archiveId)) return null;
  const [row] = await db<ArchivedRow[]>`
    select a.id, a.number, a.kind, r.payload from archive_records a join certificate_revisions r on r.id = a.revision_id
    where a.org_id = ${orgId} and a.id = ${archiveId}`;
  return row ?? null;
}

async function contractId(db: Queryable, orgId: string, reference: string): Promise<string> {
  const [row] = await db<{ id: string }[]>`select id from contracts where org_id = ${orgId} and reference = ${reference}`;
  if (!row) throw new LinkRefused('unknown_contract', `the organisation has no contract "${reference}"`);
  return row.id;
}

async function writeLink(tx: Tx, orgId: string, record: ArchivedRow, contract: string, actor: string): Promise<void> {
  const requirement = requirementOf(record.kind);
  if (!requirement) throw new LinkRefused('kind_not_linkable', `a ${record.kind} certificate fulfils no requirement of a contract`);
  const p = record.payload;
  await tx`
    insert into contract_links (archive_id, org_id, contract_id, requirement, project_key, contractor_key, obligee_code, obligee_key, linked_by)
    values (${record.id}, ${orgId}, ${contract}, ${requirement}, ${nameKey(p.project.name)}, ${nameKey(p.contractor.name)},
            ${p.obligee.code ?? null}, ${normaliseName(p.obligee.name)}, ${actor})
    on conflict (archive_id) do update set contract_id = excluded.contract_id, linked_at = now(), linked_by = excluded.linked_by`;
}

/**
 * SPEC §9 linking at filing, inside the filing's transaction: to the contract named, else to the
 * organisation's one contract whose project and contractor names both match; none when zero or
 * several match. Returns the reference linked, or null.
 */
export async function linkAtFiling(tx: Tx, orgId: string, archiveId: string, named: string | null, who: Actor): Promise<string | null> {
  const record = (await archived(tx, orgId, archiveId))!;
  let reference = named;
  if (reference === null) {
    if (!requirementOf(record.kind)) return null;
    const matches = await tx<{ reference: string }[]>`
      select reference from contracts
      where org_id = ${orgId} and project_key = ${nameKey(record.payload.project.name)} and contractor_key = ${nameKey(record.payload.contractor.name)}
      limit 2`;
    if (matches.length !== 1) return null;
    reference = matches[0]!.reference;
  }
  await writeLink(tx, orgId, record, await contractId(tx, orgId, reference), who.actor);
  await appendAudit(tx, [
    {
      action: 'contract.link',
      outcome: named === null ? 'matched' : 'named',
      actor: who.actor,
      orgId,
      number: record.number,
      subject: record.id,
      client: who.client ?? null,
      requestId: who.requestId ?? null,
      detail: { contract: reference, at: 'filing' },
    },
  ]);
  return reference;
}

/**
 * `PUT /api/v1/archive/:id/contract`: links a filed record to a contract by hand, or unlinks it
 * (null). False when the record is not the organisation's.
 */
export async function setArchiveContract(sql: Sql, orgId: string, archiveId: string, reference: string | null, who: Actor): Promise<boolean> {
  return sql.begin(async (tx) => {
    const record = await archived(tx, orgId, archiveId);
    if (!record) return false;
    const [before] = await tx<{ reference: string }[]>`
      select c.reference from contract_links l join contracts c on c.id = l.contract_id where l.archive_id = ${archiveId}`;
    if (reference === null) await tx`delete from contract_links where archive_id = ${archiveId} and org_id = ${orgId}`;
    else await writeLink(tx, orgId, record, await contractId(tx, orgId, reference), who.actor);
    await appendAudit(tx, [
      {
        action: reference === null ? 'contract.unlink' : 'contract.link',
        outcome: 'success',
        actor: who.actor,
        orgId,
        number: record.number,
        subject: record.id,
        client: who.client ?? null,
        requestId: who.requestId ?? null,
        detail: { contract: reference, before: before?.reference ?? null, at: 'by_hand' },
      },
    ]);
    await trackContractGuarantees(
      tx,
      orgId,
      [before?.reference, reference].filter((r): r is string => typeof r === 'string'),
      who.actor,
    );
    return true;
  });
}
