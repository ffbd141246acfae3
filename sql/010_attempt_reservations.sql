-- An attempt (login or lookup) is reserved before its secret is checked: a row with pending_until
-- set. The check then either turns it into a failure (pending_until null, at = when it failed) or
-- deletes it. A reservation never decided (a crash, a lost connection) stops counting once
-- pending_until has passed, so it can never lock a number or an account.
alter table attempt_failures add column pending_until timestamptz;
create index attempt_failures_pending on attempt_failures (scope, subject, pending_until) where pending_until is not null;
