-- Organisations (each answers for one or more obligees), their people and API tokens, sessions,
-- and the failure counters behind login throttling and lookup lockout.

create table organisations (
  id          text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name        text not null,
  created_at  timestamptz not null default now()
);

-- An obligee is matched by local government code when the certificate has one, else by name.
create table organisation_obligees (
  org_id  text not null references organisations (id),
  code    text check (code ~ '^[0-9]{6}$'),
  name    text,
  check (code is not null or name is not null)
);
create unique index organisation_obligees_code on organisation_obligees (org_id, code) where code is not null;
create unique index organisation_obligees_name on organisation_obligees (org_id, name) where name is not null;
create index organisation_obligees_by_code on organisation_obligees (code);

create table users (
  id             uuid primary key default gen_random_uuid(),
  username       text not null unique check (username ~ '^[A-Za-z0-9._@-]{1,64}$'),
  org_id         text not null references organisations (id),
  role           text not null check (role in ('clerk', 'auditor', 'admin')),
  password_hash  text not null,
  created_at     timestamptz not null default now(),
  disabled_at    timestamptz
);

-- Only the SHA-256 of a session id or API token is kept: a copy of the database opens nothing.
create table sessions (
  id_hash       text primary key,
  user_id       uuid not null references users (id),
  csrf_token    text not null,
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  expires_at    timestamptz not null,
  ended_at      timestamptz
);
create index sessions_user on sessions (user_id);

create table api_tokens (
  id          uuid primary key default gen_random_uuid(),
  org_id      text not null references organisations (id),
  token_hash  text not null unique,
  label       text,
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz
);

-- One row per failed attempt; counted over a sliding window (login throttle, lookup lockout).
create table attempt_failures (
  id       bigint generated always as identity primary key,
  scope    text not null,
  subject  text not null,
  at       timestamptz not null default now()
);
create index attempt_failures_subject on attempt_failures (scope, subject, at);
create index attempt_failures_at on attempt_failures (at);
