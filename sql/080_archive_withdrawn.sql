-- Which archive records are withdrawn, kept by the database as withdrawals and filings arrive, so the
-- archive's status=withdrawn search reads a page of them instead of testing every record of the
-- organisation against the withdrawals (BENCHMARKS.md, "Why" 5). Neither withdrawals nor archive
-- records are ever changed or deleted (005, 006): a record once withdrawn stays withdrawn, so rows
-- are only ever added here.

create table archive_withdrawn (
  archive_record_id uuid primary key references archive_records (id),
  -- copies of the record's, so a page is read in the archive's order from this table alone
  org_id            text not null,
  archived_at       timestamptz not null
);
create index archive_withdrawn_org_time on archive_withdrawn (org_id, archived_at desc, archive_record_id desc);

-- SPEC §2, as revision_status() (005): a record is withdrawn when a withdrawal names its revision or
-- cancels its certificate, which ends every revision. One issued in error withdraws only the revision
-- it names (the earlier ones become current again instead of superseded: not withdrawn either way).
create view archive_records_withdrawn_now as
select a.id, a.org_id, a.archived_at, a.issuer_id, a.number, a.kind
from archive_records a
where exists (select 1 from withdrawals w where w.issuer_id = a.issuer_id and w.number = a.number and w.kind = a.kind
              and (w.revision = a.revision or w.reason = 'cancelled'));

-- The archive's rows that are withdrawn, with the archive's columns: what status=withdrawn searches.
-- id, org_id and archived_at are the read model's, so its index gives the archive's order. Every row
-- has its record (the foreign key); the join is a left join only so that the planner leaves it out
-- when no column of the record is asked for, as in counting an organisation's withdrawn records.
create view withdrawn_archive_records as
select w.archive_record_id as id, w.org_id, a.revision_id, a.pdf, a.pdf_sha256, a.jws_sha256, w.archived_at, a.archived_by,
       a.status_when_archived, a.reference, a.memo, a.issuer_id, a.number, a.kind, a.revision, a.revision_type,
       a.project_name, a.contractor, a.obligee, a.search_text
from archive_withdrawn w
left join archive_records a on a.id = w.archive_record_id;

-- A withdrawal and a filing of the same certificate in two concurrent transactions would each miss the
-- other's uncommitted row. Each takes a lock on its certificates' stripe before reading the other table
-- (the later one waits for the earlier to commit, and then sees its row: every writer runs at READ
-- COMMITTED), shared for withdrawals, which never wait for each other, exclusive for filings, which the
-- application makes one a transaction. Stripes, 256 by number, bound the locks one bulk statement
-- takes; they are taken in order so two statements cannot deadlock over them. Their keys are of two
-- integers, a space apart from the one-integer keys of the audit chain and the migrations.
create function lock_certificate_stripes(numbers text[], exclusive boolean) returns void language plpgsql as $$
declare
  stripe integer;
begin
  for stripe in select distinct hashtext(n) & 255 from unnest(numbers) n order by 1 loop
    if exclusive then
      perform pg_advisory_xact_lock(4727003, stripe);
    else
      perform pg_advisory_xact_lock_shared(4727003, stripe);
    end if;
  end loop;
end $$;

create function archive_withdrawn_by_withdrawals() returns trigger language plpgsql as $$
begin
  perform lock_certificate_stripes(array(select number from new_rows), false);
  insert into archive_withdrawn (archive_record_id, org_id, archived_at)
  select n.id, n.org_id, n.archived_at
  from archive_records_withdrawn_now n
  where (n.issuer_id, n.number, n.kind) in (select issuer_id, number, kind from new_rows)
  on conflict do nothing;
  return null;
end $$;

create function archive_withdrawn_by_filings() returns trigger language plpgsql as $$
begin
  perform lock_certificate_stripes(array(select number from new_rows), true);
  insert into archive_withdrawn (archive_record_id, org_id, archived_at)
  select n.id, n.org_id, n.archived_at
  from archive_records_withdrawn_now n
  where n.id in (select id from new_rows)
  on conflict do nothing;
  return null;
end $$;

-- Named to fire after ledger_version_insert (061): a filing then takes its organisation's ledger version
-- before its stripe, in the order of an ingest that stores a revision and then a withdrawal, so the two
-- cannot wait for each other.
create trigger withdrawn_archive_insert after insert on withdrawals
  referencing new table as new_rows for each statement execute function archive_withdrawn_by_withdrawals();
create trigger withdrawn_archive_insert after insert on archive_records
  referencing new table as new_rows for each statement execute function archive_withdrawn_by_filings();

-- The triggers lock both tables against writers until this commits, so the rows read here are all there are.
insert into archive_withdrawn (archive_record_id, org_id, archived_at)
select id, org_id, archived_at from archive_records_withdrawn_now;
