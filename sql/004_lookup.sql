-- A revision an organisation opened with its auth key: later views need no key.
create table unlocks (
  org_id       text not null references organisations (id),
  revision_id  uuid not null references certificate_revisions (id),
  unlocked_at  timestamptz not null default now(),
  unlocked_by  text not null,
  primary key (org_id, revision_id)
);
