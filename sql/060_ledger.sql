-- The contract ledger (SPEC §9): an organisation's contracts, the filed certificates linked to them,
-- and each organisation's ledger rules. Guarantee and contract states are never stored: the views
-- at the end compute them from what is stored, so nothing can drift.

-- An organisation's own ratios; absent columns take the 公共工事標準請負契約約款 defaults in
-- organisation_ledger_rules, the one place those defaults live.
create table ledger_rules (
  org_id                    text primary key references organisations (id),
  contract_guarantee_ratio  numeric(5, 4) check (contract_guarantee_ratio between 0 and 1),
  advance_ratio             numeric(5, 4) check (advance_ratio between 0 and 1),
  interim_ratio             numeric(5, 4) check (interim_ratio between 0 and 1),
  missing_after_days        integer check (missing_after_days between 0 and 3650),
  updated_at                timestamptz not null default now()
);

create view organisation_ledger_rules as
  select o.id as org_id,
         coalesce(r.contract_guarantee_ratio, 0.1) as contract_guarantee_ratio,
         coalesce(r.advance_ratio, 0.4) as advance_ratio,
         coalesce(r.interim_ratio, 0.2) as interim_ratio,
         coalesce(r.missing_after_days, 14) as missing_after_days
  from organisations o left join ledger_rules r on r.org_id = o.id;

create table contracts (
  id                uuid primary key default gen_random_uuid(),
  org_id            text not null references organisations (id),
  reference         text not null check (char_length(reference) between 1 and 64),
  project_name      text not null,
  contractor_name   text not null,
  contractor_email  text,
  contract_price    bigint not null check (contract_price >= 0),
  contract_date     date not null,
  period_from       date not null,
  period_to         date not null check (period_from <= period_to),
  -- the kinds of guarantee required, each a requirement kind (src/ledger/kinds.ts)
  required          text[] not null,
  section           text,
  -- names as matched (NFKC, no spaces, 株式会社 / (株) / ㈱ alike), written with the names (src/ledger/names.ts)
  project_key       text not null,
  contractor_key    text not null,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  -- the last change contract (変更契約): period.to moved later or the price changed
  changed_at        timestamptz,
  unique (org_id, reference)
);
create index contracts_match on contracts (org_id, project_key, contractor_key);
-- what the list's `q` searches: the reference and the names as matched (pg_trgm is loaded by 005)
create index contracts_search on contracts using gin ((reference || ' ' || project_key || ' ' || contractor_key) gin_trgm_ops);

-- Which contract a filed certificate belongs to. Kept apart from archive_records, which nothing may
-- change: a clerk links and unlinks by hand. The keys are the certificate's, derived from its
-- (unchangeable) payload when the link is made.
create table contract_links (
  archive_id      uuid primary key references archive_records (id),
  org_id          text not null references organisations (id),
  contract_id     uuid not null references contracts (id),
  -- the required kind this certificate fulfils (an insurer's bond fulfils `contract`)
  requirement     text not null,
  project_key     text not null,
  contractor_key  text not null,
  obligee_code    text,
  obligee_key     text not null,
  linked_at       timestamptz not null default now(),
  linked_by       text not null
);
create index contract_links_contract on contract_links (contract_id, requirement);

-- A CSV uploaded in the browser and shown as a preview, until the clerk confirms it.
create table contract_import_drafts (
  id          uuid primary key default gen_random_uuid(),
  org_id      text not null references organisations (id),
  created_by  text not null,
  csv         text not null,
  created_at  timestamptz not null default now()
);

-- SPEC §9 guarantee states, one row per required kind of each contract, from the highest linked
-- revision of that kind. The same rule as src/ledger/state.ts over the checks of
-- src/ledger/checks.ts; test/ledger-property.test.ts holds the two to the same answers.
create view contract_guarantee_states as
select c.id as contract_id, c.org_id, req.kind, req.ord, h.archive_id,
       case
         when h.archive_id is null then 'missing'
         when f.withdrawn then 'withdrawn'
         when f.unfiled_higher or (f.failing and f.issued_before_change) then 'needs_change'
         when f.failing then 'mismatch'
         else 'ok'
       end as state
from contracts c
cross join lateral unnest(c.required) with ordinality as req (kind, ord)
join organisation_ledger_rules rules on rules.org_id = c.org_id
left join lateral (
  select a.id as archive_id, a.issuer_id, a.number, a.kind, a.revision, r.id as revision_id, r.issued_on, r.payload,
         l.requirement, l.project_key, l.contractor_key, l.obligee_code, l.obligee_key
  from contract_links l
  join archive_records a on a.id = l.archive_id
  join certificate_revisions r on r.id = a.revision_id
  where l.contract_id = c.id and l.requirement = req.kind
  order by a.revision desc, a.archived_at desc, a.id desc
  limit 1
) h on true
left join lateral (
  select
    exists (select 1 from withdrawals w where w.issuer_id = h.issuer_id and w.number = h.number and w.kind = h.kind
            and (w.revision = h.revision or w.reason = 'cancelled')) as withdrawn,
    exists (select 1 from certificate_revisions x where x.issuer_id = h.issuer_id and x.number = h.number and x.kind = h.kind
            and x.revision > h.revision
            and not exists (select 1 from withdrawals e where e.issuer_id = x.issuer_id and e.number = x.number and e.kind = x.kind
                            and e.revision = x.revision and e.reason = 'issued_in_error')
            and not exists (select 1 from archive_records o where o.org_id = c.org_id and o.revision_id = x.id)) as unfiled_higher,
    coalesce(h.issued_on < (c.changed_at at time zone 'Asia/Tokyo')::date, false) as issued_before_change,
    (
      not exists (select 1 from organisation_obligees ob where ob.org_id = c.org_id
                  and (ob.code = h.obligee_code or ob.name = h.obligee_key))
      or h.contractor_key <> c.contractor_key
      or h.project_key <> c.project_key
      or (h.payload -> 'project' ->> 'contractPrice')::bigint <> c.contract_price
      or coalesce(case h.requirement
           when 'contract' then (h.payload -> 'guarantee' ->> 'amount')::numeric < c.contract_price * rules.contract_guarantee_ratio
           when 'advance_payment' then (h.payload -> 'guarantee' ->> 'advancePayment')::numeric > c.contract_price * rules.advance_ratio
                                       or (h.payload -> 'guarantee' ->> 'amount')::numeric <> (h.payload -> 'guarantee' ->> 'advancePayment')::numeric
           when 'interim_advance_payment' then (h.payload -> 'guarantee' ->> 'advancePayment')::numeric > c.contract_price * rules.interim_ratio
         end, true)
      or (h.payload -> 'guarantee' -> 'period' ->> 'to')::date < c.period_to
    ) as failing
  where h.archive_id is not null
) f on true;

-- SPEC §9 contract state: complete when every guarantee is ok, incomplete when only missing ones
-- stand out, else attention.
create view contract_states as
select c.id as contract_id, c.org_id,
       (select case
                 when count(*) filter (where s.state <> 'ok') = 0 then 'complete'
                 when count(*) filter (where s.state not in ('ok', 'missing')) = 0 then 'incomplete'
                 else 'attention'
               end
        from contract_guarantee_states s where s.contract_id = c.id) as state
from contracts c;

