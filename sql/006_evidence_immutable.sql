-- What issuers sent is evidence: no UPDATE or DELETE of received SETs, revisions or withdrawals,
-- and a kept key may only have its last_seen moved. Changing any of it takes a superuser
-- disabling these triggers, which /audit/verify and recheck are there to catch.

create function evidence_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is evidence and cannot be changed or deleted: % refused', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end $$;

create trigger received_sets_immutable before update or delete on received_sets
  for each row execute function evidence_refuse_change();
create trigger certificate_revisions_immutable before update or delete on certificate_revisions
  for each row execute function evidence_refuse_change();
create trigger withdrawals_immutable before update or delete on withdrawals
  for each row execute function evidence_refuse_change();
create trigger issuer_keys_no_delete before delete on issuer_keys
  for each row execute function evidence_refuse_change();
create trigger issuer_keys_immutable before update of issuer_id, kid, jwk, alg, thumbprint, first_seen on issuer_keys
  for each row execute function evidence_refuse_change();
