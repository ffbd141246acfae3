-- Issuers, every key ever accepted from them, and every SET received (kept byte for byte).

create table issuers (
  id          text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  iss         text not null unique,
  name        text not null,
  jwks_uri    text,
  jwks_inline jsonb,
  feed_url    text,
  feed_token  text,
  created_at  timestamptz not null default now(),
  removed_at  timestamptz,
  check (jwks_uri is not null or jwks_inline is not null)
);

-- A key is never replaced or deleted: archived certificates must verify after rotation.
create table issuer_keys (
  issuer_id   text not null references issuers (id),
  kid         text not null,
  jwk         jsonb not null,
  alg         text not null check (alg in ('ES256', 'EdDSA')),
  thumbprint  text not null,
  first_seen  timestamptz not null default now(),
  last_seen   timestamptz not null default now(),
  primary key (issuer_id, kid)
);

create table received_sets (
  id           uuid primary key default gen_random_uuid(),
  issuer_id    text not null references issuers (id),
  jti          text not null,
  jws          text not null,
  jws_sha256   text not null check (jws_sha256 ~ '^[0-9a-f]{64}$'),
  header       jsonb not null,
  claims       jsonb not null,
  event_type   text not null,
  kid          text not null,
  alg          text not null,
  via          text not null check (via in ('push', 'poll')),
  verified_at  timestamptz not null,
  received_at  timestamptz not null default now(),
  unique (issuer_id, jti)
);

create table certificate_revisions (
  id               uuid primary key default gen_random_uuid(),
  issuer_id        text not null references issuers (id),
  number           text not null check (number ~ '^[0-9]{10}$'),
  kind             text not null check (kind in ('advance_payment', 'interim_advance_payment', 'contract')),
  revision         integer not null check (revision >= 0),
  revision_type    text not null check (revision_type in ('new', 'change', 'correction')),
  issued_on        date not null,
  -- the event payload as signed, less authKeyDigest, which lives only in its own column
  payload          jsonb not null,
  auth_key_digest  text not null,
  obligee_code     text,
  obligee_name     text not null,
  set_id           uuid not null unique references received_sets (id),
  unique (issuer_id, number, kind, revision)
);
create index certificate_revisions_number on certificate_revisions (number);

-- Withdrawals live apart from revisions: one may arrive before the revision it withdraws.
create table withdrawals (
  issuer_id     text not null references issuers (id),
  number        text not null,
  kind          text not null,
  revision      integer not null,
  reason        text not null check (reason in ('cancelled', 'issued_in_error')),
  withdrawn_on  date not null,
  set_id        uuid not null unique references received_sets (id),
  primary key (issuer_id, number, kind, revision)
);
create index withdrawals_certificate on withdrawals (issuer_id, number, kind);

-- A SET refused because its identity was already stored with other content.
create table ingest_conflicts (
  id               uuid primary key default gen_random_uuid(),
  issuer_id        text not null references issuers (id),
  jti              text not null,
  jws              text not null,
  jws_sha256       text not null,
  identity         text not null,
  existing_set_id  uuid not null references received_sets (id),
  via              text not null,
  received_at      timestamptz not null default now()
);

-- Poll state per issuer; the lease keeps one poller per issuer across instances sharing the database.
create table issuer_poll_state (
  issuer_id         text primary key references issuers (id),
  lease_holder      text,
  lease_expires_at  timestamptz,
  last_attempt_at   timestamptz,
  last_success_at   timestamptz,
  last_error        text,
  last_error_at     timestamptz,
  events_ingested   bigint not null default 0,
  events_refused    bigint not null default 0,
  consecutive_failures integer not null default 0,
  jwks_fetched_at   timestamptz
);
