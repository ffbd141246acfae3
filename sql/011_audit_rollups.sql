-- What clients that are not signed in can make shosho write (failed logins, refused pushes) is
-- bounded: per client, action and outcome, the first entries of each minute go into the audit log
-- in full; the rest are counted here and appended as one summary entry once the minute is over.
-- Rows here are working counters, not evidence: the summary entry in audit_log is.
create table audit_rollups (
  action        text not null,
  outcome       text not null,
  client        text not null,
  window_start  timestamptz not null,
  seen          integer not null,
  first_at      timestamptz not null,
  last_at       timestamptz not null,
  -- entries not written in full, per what was tried (the username, the refusal code)
  tally         jsonb not null default '{}',
  primary key (action, outcome, client, window_start)
);
