-- A version per organisation's ledger: it changes, in the same transaction, with anything the SPEC §9
-- states of that organisation's contracts are computed from (the views of 060). States are still
-- computed, never stored; a process may keep what it computed for the version it read, and several
-- instances agree by reading this row (ARCHITECTURE.md, "States per ledger version"). Triggers, not callers, change
-- it, so no write path (API, page, import, CLI, ingest, a later feature) can forget to.
create table ledger_versions (
  org_id   text primary key references organisations (id),
  -- random, so a version never repeats, even in another database
  version  uuid not null default gen_random_uuid()
);

-- Locks the rows in org_id order, so two transactions changing the same organisations cannot deadlock
-- within one statement.
create function bump_ledger_versions(orgs text[]) returns void language sql as $$
  insert into ledger_versions (org_id)
  select distinct o from unnest(orgs) o where o is not null order by 1
  on conflict (org_id) do update set version = gen_random_uuid()
$$;

-- Rows that carry their organisation: contracts, links, filings, ratios, obligees.
create function ledger_rows_changed() returns trigger language plpgsql as $$
begin
  perform bump_ledger_versions(array(select org_id from changed_rows));
  return null;
end $$;

-- New revisions and withdrawals of a certificate change the state for every organisation that linked it.
create function ledger_certificates_changed() returns trigger language plpgsql as $$
begin
  perform bump_ledger_versions(array(
    select l.org_id
    from changed_rows c
    join archive_records a on a.issuer_id = c.issuer_id and a.number = c.number and a.kind = c.kind
    join contract_links l on l.archive_id = a.id));
  return null;
end $$;

create trigger ledger_version_insert after insert on contracts referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_update after update on contracts referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_delete after delete on contracts referencing old table as changed_rows for each statement execute function ledger_rows_changed();

create trigger ledger_version_insert after insert on contract_links referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_update after update on contract_links referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_delete after delete on contract_links referencing old table as changed_rows for each statement execute function ledger_rows_changed();

-- archive records are never updated or deleted (006)
create trigger ledger_version_insert after insert on archive_records referencing new table as changed_rows for each statement execute function ledger_rows_changed();

create trigger ledger_version_insert after insert on ledger_rules referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_update after update on ledger_rules referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_delete after delete on ledger_rules referencing old table as changed_rows for each statement execute function ledger_rows_changed();

create trigger ledger_version_insert after insert on organisation_obligees referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_update after update on organisation_obligees referencing new table as changed_rows for each statement execute function ledger_rows_changed();
create trigger ledger_version_delete after delete on organisation_obligees referencing old table as changed_rows for each statement execute function ledger_rows_changed();

-- revisions and withdrawals are never updated or deleted (006)
create trigger ledger_version_insert after insert on certificate_revisions referencing new table as changed_rows for each statement execute function ledger_certificates_changed();
create trigger ledger_version_insert after insert on withdrawals referencing new table as changed_rows for each statement execute function ledger_certificates_changed();
