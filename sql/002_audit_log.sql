-- The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained
-- (each hash covers the previous one and a canonical form of the entry). seq is assigned under a
-- transaction lock, so it has no gaps: a missing seq is a deleted entry.

create table audit_log (
  seq         bigint primary key,
  at          timestamptz not null,
  action      text not null,
  outcome     text not null,
  actor       text not null,
  org_id      text,
  client      text,
  request_id  text,
  number      text,
  subject     text,
  detail      jsonb not null default '{}',
  prev_hash   text not null,
  hash        text not null
);
create index audit_log_org_seq on audit_log (org_id, seq);
create index audit_log_at on audit_log (at);
create index audit_log_number on audit_log (number) where number is not null;

create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();
