import { appendAudit, type NewAuditEntry } from '../auditlog/index.js';
import type { Tx } from '../db/index.js';
import { alertColumns, toAlert, type AlertRow } from './alerts.js';
import { trackArrivals, trackFiledCertificate } from './ledger.js';
import { enqueueAlertNotifications } from './outbox.js';

/** What ingest stored, as far as alerts need it (a VerifiedSet has this shape). */
export interface ArrivedEvent {
  issuer: { id: string };
  event:
    | { type: 'urn:shosho:certificate'; payload: { number: string; kind: string; revision: number; revisionType: string } }
    | { type: 'urn:shosho:certificate-withdrawn'; payload: { number: string; kind: string; revision: number; reason: string } };
}

export type NewAlertRow = AlertRow & { org_id: string };

/**
 * Called by ingest inside its transaction with the events it stored: raises `new_revision` for each
 * organisation that filed the certificate but no revision as high as the one arriving, and
 * `withdrawn` for each organisation that filed a revision the withdrawal covers. The cause key
 * (unique per organisation) makes a redelivered or concurrently ingested event raise nothing more.
 * The contracts linked to the arriving certificates are tracked too. Notifications are queued here;
 * the audit entries are returned for ingest to append with its own, so that a transaction takes
 * the audit chain's lock once.
 */
export async function raiseIngestAlerts(tx: Tx, stored: readonly ArrivedEvent[]): Promise<NewAuditEntry[]> {
  const revisions = stored.flatMap((s) => (s.event.type === 'urn:shosho:certificate' ? [{ issuer: s.issuer.id, ...s.event.payload }] : []));
  const withdrawals = stored.flatMap((s) => (s.event.type === 'urn:shosho:certificate-withdrawn' ? [{ issuer: s.issuer.id, ...s.event.payload }] : []));
  const raised: NewAlertRow[] = [];
  if (revisions.length) {
    raised.push(
      ...(await tx<NewAlertRow[]>`
      insert into alerts (org_id, type, cause, issuer_id, number, kind, revision, params)
      select a.org_id, 'new_revision', concat_ws(' ', 'new_revision', e.issuer_id, e.number, e.kind, e.revision),
             e.issuer_id, e.number, e.kind, e.revision, jsonb_build_object('revisionType', e.revision_type)
      from unnest(${revisions.map((r) => r.issuer)}::text[], ${revisions.map((r) => r.number)}::text[], ${revisions.map((r) => r.kind)}::text[],
                  ${revisions.map((r) => r.revision)}::int[], ${revisions.map((r) => r.revisionType)}::text[])
             as e(issuer_id, number, kind, revision, revision_type)
      join archive_records a on a.issuer_id = e.issuer_id and a.number = e.number and a.kind = e.kind
      group by a.org_id, e.issuer_id, e.number, e.kind, e.revision, e.revision_type
      having max(a.revision) < e.revision
      on conflict (org_id, cause) do nothing
      returning org_id, ${alertColumns(tx)}`),
    );
  }
  if (withdrawals.length) {
    raised.push(
      ...(await tx<NewAlertRow[]>`
      insert into alerts (org_id, type, cause, issuer_id, number, kind, revision, params)
      select distinct a.org_id, 'withdrawn', concat_ws(' ', 'withdrawn', e.issuer_id, e.number, e.kind, e.revision),
             e.issuer_id, e.number, e.kind, e.revision, jsonb_build_object('reason', e.reason)
      from unnest(${withdrawals.map((w) => w.issuer)}::text[], ${withdrawals.map((w) => w.number)}::text[], ${withdrawals.map((w) => w.kind)}::text[],
                  ${withdrawals.map((w) => w.revision)}::int[], ${withdrawals.map((w) => w.reason)}::text[])
             as e(issuer_id, number, kind, revision, reason)
      join archive_records a on a.issuer_id = e.issuer_id and a.number = e.number and a.kind = e.kind
        and (e.reason = 'cancelled' or a.revision = e.revision)
      on conflict (org_id, cause) do nothing
      returning org_id, ${alertColumns(tx)}`),
    );
  }
  raised.push(...(await trackArrivals(tx, stored)));
  return queueNotifications(tx, raised, 'system:feed');
}

export interface FiledRevision {
  orgId: string;
  issuerId: string;
  number: string;
  kind: string;
  revision: number;
  actor: string;
}

/**
 * Called when a revision is filed, inside the filing transaction. A clerk filing a revision that is
 * already out of date expects to be told at once, as if the news had arrived after filing: a
 * higher revision (not issued in error) raises `new_revision` for the highest one, and a
 * withdrawal covering the filed revision raises `withdrawn` — with the same cause keys ingest
 * uses, so nothing is raised twice. Filing a revision also resolves the organisation's open
 * `new_revision` alerts it answers (that revision or a lower one of the same certificate).
 */
export async function raiseFilingAlerts(tx: Tx, filed: FiledRevision): Promise<void> {
  const { orgId, issuerId, number, kind, revision } = filed;
  const raised = await tx<NewAlertRow[]>`
    insert into alerts (org_id, type, cause, issuer_id, number, kind, revision, params)
    select ${orgId}, 'new_revision', concat_ws(' ', 'new_revision', r.issuer_id, r.number, r.kind, r.revision),
           r.issuer_id, r.number, r.kind, r.revision, jsonb_build_object('revisionType', r.revision_type)
    from certificate_revisions r
    where r.issuer_id = ${issuerId} and r.number = ${number} and r.kind = ${kind}
      and r.revision > (select max(a.revision) from archive_records a
                        where a.org_id = ${orgId} and a.issuer_id = ${issuerId} and a.number = ${number} and a.kind = ${kind})
      and not exists (select 1 from withdrawals w where w.issuer_id = r.issuer_id and w.number = r.number and w.kind = r.kind
                      and w.revision = r.revision and w.reason = 'issued_in_error')
    order by r.revision desc
    limit 1
    on conflict (org_id, cause) do nothing
    returning org_id, ${alertColumns(tx)}`;
  raised.push(
    ...(await tx<NewAlertRow[]>`
    insert into alerts (org_id, type, cause, issuer_id, number, kind, revision, params)
    select ${orgId}, 'withdrawn', concat_ws(' ', 'withdrawn', w.issuer_id, w.number, w.kind, w.revision),
           w.issuer_id, w.number, w.kind, w.revision, jsonb_build_object('reason', w.reason)
    from withdrawals w
    where w.issuer_id = ${issuerId} and w.number = ${number} and w.kind = ${kind} and (w.reason = 'cancelled' or w.revision = ${revision})
    on conflict (org_id, cause) do nothing
    returning org_id, ${alertColumns(tx)}`),
  );
  const answered = await tx<AlertRow[]>`
    update alerts set resolved_at = now(), resolved_by = ${filed.actor}
    where org_id = ${orgId} and type = 'new_revision' and resolved_at is null
      and issuer_id = ${issuerId} and number = ${number} and kind = ${kind} and revision <= ${revision}
    returning ${alertColumns(tx)}`;
  await appendAudit(
    tx,
    answered.map((a) => ({
      action: 'alert.resolve',
      outcome: 'filed',
      actor: filed.actor,
      orgId,
      number: a.number,
      subject: a.id,
      detail: { type: a.type, revision },
    })),
  );
  await afterRaising(tx, raised, filed.actor);
  await trackFiledCertificate(tx, filed, filed.actor);
}

/** Each new alert: an audit entry and its notifications, in the transaction that raised it. */
export async function afterRaising(tx: Tx, raised: readonly NewAlertRow[], actor: string): Promise<void> {
  await appendAudit(tx, await queueNotifications(tx, raised, actor));
}

/** Queues each new alert's notifications; its audit entries, for the caller to append in the same transaction. */
async function queueNotifications(tx: Tx, raised: readonly NewAlertRow[], actor: string): Promise<NewAuditEntry[]> {
  if (raised.length === 0) return [];
  await enqueueAlertNotifications(
    tx,
    raised.map((r) => ({ orgId: r.org_id, alert: toAlert(r) })),
  );
  return raised.map((r) => ({
    action: 'alert.raise',
    outcome: r.type,
    actor,
    orgId: r.org_id,
    number: r.number,
    subject: r.id,
    detail: { contract: r.contract, kind: r.kind, revision: r.revision },
  }));
}
