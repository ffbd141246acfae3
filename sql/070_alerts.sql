-- Alerts (SPEC §10): what needs a person, raised once per cause for one organisation, and the
-- outbox of every notification they send (webhooks and mail), kept until delivered.

create table alerts (
  id           uuid primary key default gen_random_uuid(),
  org_id       text not null references organisations (id),
  type         text not null check (type in ('new_revision', 'withdrawn', 'needs_change', 'mismatch', 'missing')),
  -- what raised it, e.g. `new_revision wjcs 2070004426 advance_payment 1`: once per cause and organisation
  cause        text not null,
  contract     text,
  issuer_id    text references issuers (id),
  number       text,
  kind         text,
  revision     integer,
  -- what the message names besides the alert's own fields (e.g. the revision type)
  params       jsonb not null default '{}',
  created_at   timestamptz not null default now(),
  resolved_at  timestamptz,
  resolved_by  text,
  note         text check (length(note) <= 2000),
  unique (org_id, cause)
);
create index alerts_org_time on alerts (org_id, created_at desc, id desc);
create index alerts_org_open on alerts (org_id, created_at desc, id desc) where resolved_at is null;

-- Ingest asks, for each arriving revision, which organisations filed that certificate.
create index archive_records_certificate on archive_records (issuer_id, number, kind);

create table webhook_endpoints (
  id          uuid primary key default gen_random_uuid(),
  org_id      text not null references organisations (id),
  url         text not null check (url ~ '^https?://'),
  secret      text not null check (secret ~ '^whsec_'),
  created_at  timestamptz not null default now(),
  removed_at  timestamptz
);
create index webhook_endpoints_org on webhook_endpoints (org_id) where removed_at is null;

-- Who gets mail about alerts: with an address, each alert (each), a daily digest, or none.
alter table users add column email text check (email ~ '^[^@\s]+@[^@\s]+$');
alter table users add column notify text not null default 'each' check (notify in ('each', 'digest', 'none'));

-- One row per notification to send. A worker claims due rows by moving locked_until forward in one
-- statement (a lease: no session lock, so it works on PGlite's single connection and across
-- instances); a crash leaves the lease to expire and the row is sent again (at least once).
create table outbox (
  id               uuid primary key default gen_random_uuid(),
  org_id           text not null references organisations (id),
  channel          text not null check (channel in ('webhook', 'mail')),
  endpoint_id      uuid references webhook_endpoints (id),
  user_id          uuid references users (id),
  alert_id         uuid references alerts (id),
  -- the webhook body exactly as signed on every attempt; for mail, what the mail is about
  body             text not null,
  -- a digest is queued once per user and day
  dedupe_key       text unique,
  created_at       timestamptz not null default now(),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null default now(),
  locked_until     timestamptz,
  last_attempt_at  timestamptz,
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  given_up_at      timestamptz,
  check ((channel = 'webhook') = (endpoint_id is not null)),
  check ((channel = 'mail') = (user_id is not null))
);
create index outbox_due on outbox (next_attempt_at) where delivered_at is null and given_up_at is null;
create index outbox_endpoint on outbox (endpoint_id, created_at desc) where endpoint_id is not null;

-- One scheduled job (missing guarantees, daily digests) runs in one instance at a time.
create table alert_jobs (
  name              text primary key,
  lease_holder      text,
  lease_expires_at  timestamptz,
  last_run_at       timestamptz
);
