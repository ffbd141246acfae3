import type { Sql, Tx } from '../db/index.js';
import { alertColumns } from './alerts.js';
import { afterRaising, type ArrivedEvent, type NewAlertRow } from './raise.js';

/**
 * Compares the guarantee states of these contracts (the ledger's contract_guarantee_states view)
 * with the last ones seen, inside the caller's transaction, and raises `needs_change` or
 * `mismatch` for each guarantee that has just entered that state; the alerts raised. The row of the
 * last state is updated under its lock, so concurrent transactions see each entry once.
 */
async function trackContracts(tx: Tx, contractIds: readonly string[]): Promise<NewAlertRow[]> {
  if (contractIds.length === 0) return [];
  const raised = await tx<NewAlertRow[]>`
    with now_states as (
      select s.contract_id, s.org_id, s.kind, s.state, s.archive_id from contract_guarantee_states s where s.contract_id in ${tx(contractIds)}
    ), changed as (
      insert into alert_guarantee_states as g (contract_id, kind, state)
      -- a fixed order, so two transactions tracking the same contracts lock their rows alike
      select contract_id, kind, state from now_states order by contract_id, kind
      on conflict (contract_id, kind) do update set state = excluded.state, generation = g.generation + 1
        where g.state <> excluded.state
      returning g.contract_id, g.kind, g.state, g.generation
    )
    insert into alerts (org_id, type, cause, contract, issuer_id, number, kind, revision)
    select n.org_id, ch.state, concat_ws(' ', ch.state, ch.contract_id, ch.kind, ch.generation), c.reference, a.issuer_id, a.number, ch.kind, a.revision
    from changed ch
    join now_states n on n.contract_id = ch.contract_id and n.kind = ch.kind
    join contracts c on c.id = ch.contract_id
    left join archive_records a on a.id = n.archive_id
    where ch.state in ('needs_change', 'mismatch')
    on conflict (org_id, cause) do nothing
    returning org_id, ${alertColumns(tx)}`;
  return raised;
}

/** After a contract was created, replaced (a change contract), imported, or a record linked to it by hand or unlinked. */
export async function trackContractGuarantees(tx: Tx, orgId: string, references: readonly string[], actor: string): Promise<void> {
  if (references.length === 0) return;
  const ids = await tx<{ id: string }[]>`select id from contracts where org_id = ${orgId} and reference in ${tx(references)}`;
  await afterRaising(
    tx,
    await trackContracts(
      tx,
      ids.map((r) => r.id),
    ),
    actor,
  );
}

/** After filing: the contracts linked to any filed revision of that certificate. */
export async function trackFiledCertificate(tx: Tx, filed: { orgId: string; issuerId: string; number: string; kind: string }, actor: string): Promise<void> {
  const ids = await tx<{ contract_id: string }[]>`
    select distinct l.contract_id from contract_links l join archive_records a on a.id = l.archive_id
    where a.org_id = ${filed.orgId} and a.issuer_id = ${filed.issuerId} and a.number = ${filed.number} and a.kind = ${filed.kind}`;
  await afterRaising(
    tx,
    await trackContracts(
      tx,
      ids.map((r) => r.contract_id),
    ),
    actor,
  );
}

/** After ingest: the contracts, of any organisation, linked to a filed revision of an arriving certificate; the alerts raised. */
export async function trackArrivals(tx: Tx, stored: readonly ArrivedEvent[]): Promise<NewAlertRow[]> {
  if (stored.length === 0) return [];
  const ids = await tx<{ contract_id: string }[]>`
    select distinct l.contract_id
    from unnest(${stored.map((s) => s.issuer.id)}::text[], ${stored.map((s) => s.event.payload.number)}::text[], ${stored.map((s) => s.event.payload.kind)}::text[])
      as e(issuer_id, number, kind)
    join archive_records a on a.issuer_id = e.issuer_id and a.number = e.number and a.kind = e.kind
    join contract_links l on l.archive_id = a.id`;
  return trackContracts(
    tx,
    ids.map((r) => r.contract_id),
  );
}

/**
 * The scheduled check: a required guarantee still missing `missing-after-days` (the organisation's
 * ledger rule, 14 by default) after the contract date raises `missing`, once per contract and kind.
 */
export async function raiseMissingGuarantees(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    const raised = await tx<NewAlertRow[]>`
      insert into alerts (org_id, type, cause, contract, kind)
      select s.org_id, 'missing', concat_ws(' ', 'missing', s.contract_id, s.kind), c.reference, s.kind
      from contract_guarantee_states s
      join contracts c on c.id = s.contract_id
      join organisation_ledger_rules r on r.org_id = s.org_id
      where s.state = 'missing' and c.contract_date + r.missing_after_days <= (now() at time zone 'Asia/Tokyo')::date
      on conflict (org_id, cause) do nothing
      returning org_id, ${alertColumns(tx)}`;
    await afterRaising(tx, raised, 'system:missing-check');
    return raised.length;
  });
}
