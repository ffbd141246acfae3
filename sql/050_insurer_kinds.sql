-- Insurers' kinds (SPEC §2): 公共工事履行保証証券 (performance_bond) and 履行保証保険
-- (performance_insurance), whose 証券番号 is 6 to 20 digits and capital letters; the three
-- 保証事業会社 kinds keep their 10-digit 保証契約番号. Existing rows satisfy the new checks.
alter table certificate_revisions drop constraint certificate_revisions_number_check;
alter table certificate_revisions drop constraint certificate_revisions_kind_check;
alter table certificate_revisions add constraint certificate_revisions_kind_check
  check (kind in ('advance_payment', 'interim_advance_payment', 'contract', 'performance_bond', 'performance_insurance'));
alter table certificate_revisions add constraint certificate_revisions_number_check
  check (case when kind in ('performance_bond', 'performance_insurance') then number ~ '^[0-9A-Z]{6,20}$'
              else number ~ '^[0-9]{10}$' end);
