-- When the last failed attempt happened: a delivered row keeps its last error for admins, and the
-- time of the successful attempt must not pass for the time of the failure.
alter table outbox add column last_error_at timestamptz;
