-- The last guarantee state alerts saw for each required kind of each contract: an alert is raised
-- when a guarantee enters needs_change or mismatch, so the state it was in must be remembered.
-- `generation` counts the changes, so entering the same state again is a new cause.
create table alert_guarantee_states (
  contract_id  uuid not null references contracts (id),
  kind         text not null,
  state        text not null,
  generation   integer not null default 1,
  primary key (contract_id, kind)
);
