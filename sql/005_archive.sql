-- The organisation's archive: what was filed, its PDF and digests, who and when. Nothing in it can
-- be changed or deleted through the application (a trigger refuses UPDATE and DELETE).

create extension if not exists pg_trgm;

create table archive_records (
  id             uuid primary key default gen_random_uuid(),
  org_id         text not null references organisations (id),
  revision_id    uuid not null references certificate_revisions (id),
  pdf            bytea not null,
  pdf_sha256     text not null check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
  jws_sha256     text not null check (jws_sha256 ~ '^[0-9a-f]{64}$'),
  archived_at    timestamptz not null default now(),
  archived_by    text not null,
  -- the certificate's status when filed, so the record can flag what changed since
  status_when_archived text not null check (status_when_archived in ('current', 'superseded', 'withdrawn')),
  reference      text check (length(reference) <= 200),
  memo           text check (length(memo) <= 2000),
  -- copies for search and listing, so neither reads the revision's payload
  issuer_id      text not null references issuers (id),
  number         text not null,
  kind           text not null,
  revision       integer not null,
  revision_type  text not null,
  project_name   text not null,
  contractor     text not null,
  obligee        text not null,
  -- NFKC of number, project, contractor and obligee: what `q` searches
  search_text    text not null,
  unique (org_id, revision_id)
);
create index archive_records_org_time on archive_records (org_id, archived_at desc, id desc);
create index archive_records_org_number on archive_records (org_id, number);
create index archive_records_search on archive_records using gin (search_text gin_trgm_ops);

create function archive_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'archive_records cannot be changed or deleted: % refused', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger archive_records_no_change before update or delete on archive_records
  for each row execute function archive_refuse_change();
create trigger archive_records_no_truncate before truncate on archive_records
  for each statement execute function archive_refuse_change();

-- SPEC §2 status of a revision today, in SQL so the archive can filter on it. The same rule as
-- revisionStatus() in src/domain/status.ts; a test holds the two to the same answers.
create function revision_status(p_issuer text, p_number text, p_kind text, p_revision integer) returns text
language sql stable as $$
  select case
    when exists (select 1 from withdrawals w where w.issuer_id = p_issuer and w.number = p_number and w.kind = p_kind
                 and (w.revision = p_revision or w.reason = 'cancelled')) then 'withdrawn'
    when exists (select 1 from certificate_revisions r where r.issuer_id = p_issuer and r.number = p_number and r.kind = p_kind
                 and r.revision > p_revision
                 and not exists (select 1 from withdrawals w where w.issuer_id = r.issuer_id and w.number = r.number
                                 and w.kind = r.kind and w.revision = r.revision and w.reason = 'issued_in_error')) then 'superseded'
    else 'current'
  end
$$;
