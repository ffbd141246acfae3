import nodemailer from 'nodemailer';
import type { Sql } from '../db/index.js';
import { formatJst, jstDayBounds } from '../domain/index.js';
import { isMessageKey, translate, type Lang } from '../render/index.js';
import { alertColumns, alertMessage, toAlert, type Alert, type AlertRow } from './alerts.js';
import type { DeliveryOutcome, OutboxItem } from './outbox.js';

export interface MailSettings {
  smtpUrl: string;
  from: string;
  /** Where people open shosho, for the link to the alerts page. */
  linkBase: string;
}

interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  deliver(item: OutboxItem): Promise<DeliveryOutcome>;
  close(): void;
}

function kindName(lang: Lang, kind: string | null): string {
  if (!kind) return '';
  const key = `kind.${kind}`;
  return isMessageKey(key) ? translate(lang, key) : kind;
}

/** One alert in a mail, in one language: what, which certificate or contract, what to do. Never an auth key. */
function alertLines(lang: Lang, alert: Alert, link: string): string[] {
  const none = translate(lang, 'alerts.none');
  return [
    `${translate(lang, 'alerts.col.type')}: ${translate(lang, `alerts.type.${alert.type}`)}`,
    `${translate(lang, 'alerts.col.number')}: ${alert.number ?? none}`,
    `${translate(lang, 'alerts.col.kind')}: ${kindName(lang, alert.kind) || none}`,
    `${translate(lang, 'alerts.col.revision')}: ${alert.revision === null ? none : translate(lang, 'revision.number', { revision: alert.revision })}`,
    `${translate(lang, 'alerts.col.contract')}: ${alert.contract ?? none}`,
    `${translate(lang, 'alerts.col.created')}: ${formatJst(alert.createdAt, lang)}`,
    `${translate(lang, 'alerts.col.todo')}: ${alertMessage(alert, lang)}`,
    `${translate(lang, 'alerts.mail.link')}: ${link}`,
  ];
}

/** The mail for one alert, or the digest of a JST day: Japanese first, English after. */
function composeMail(to: string, alerts: readonly Alert[], linkBase: string, digestDay: string | null): Mail {
  const link = (a: Alert) => `${linkBase.replace(/\/$/, '')}/alerts#alert-${a.id}`;
  const body = (lang: Lang) => [
    digestDay ? translate(lang, 'alerts.mail.digestIntro', { day: digestDay, count: alerts.length }) : translate(lang, 'alerts.mail.intro'),
    '',
    ...alerts.flatMap((a) => [...alertLines(lang, a, link(a)), '']),
    translate(lang, 'alerts.mail.noKey'),
  ];
  const first = alerts[0]!;
  const subject = digestDay
    ? translate('ja', 'alerts.mail.digestSubject', { day: digestDay, count: alerts.length })
    : translate('ja', 'alerts.mail.subject', {
        type: translate('ja', `alerts.type.${first.type}`),
        number: first.number ?? first.contract ?? '',
        kind: kindName('ja', first.kind),
      });
  return { to, subject, text: [...body('ja'), '', '----- English -----', '', ...body('en')].join('\n') };
}

/** Sends the outbox's mail through SMTP: one alert, or a user's digest of one JST day. */
export function createMailer(sql: Sql, settings: MailSettings): Mailer {
  const transport = nodemailer.createTransport(settings.smtpUrl);
  return {
    async deliver(item) {
      const [user] = await sql<{ email: string | null }[]>`select email from users where id = ${item.userId}`;
      if (!user?.email) return { ok: false, status: null, error: 'the user has no e-mail address any more' };
      const what = JSON.parse(item.body) as { alert?: string; digest?: string };
      const rows = what.digest
        ? await sql<AlertRow[]>`
            select ${alertColumns(sql)} from alerts
            where org_id = ${item.orgId} and created_at >= ${jstDayBounds(what.digest).start} and created_at < ${jstDayBounds(what.digest).end}
            order by created_at, id`
        : await sql<AlertRow[]>`select ${alertColumns(sql)} from alerts where id = ${item.alertId}`;
      if (rows.length === 0) return { ok: true, status: null };
      const mail = composeMail(user.email, rows.map(toAlert), settings.linkBase, what.digest ?? null);
      try {
        await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
        return { ok: true, status: null };
      } catch (e) {
        return { ok: false, status: null, error: (e as Error).message };
      }
    },
    close() {
      transport.close();
    },
  };
}
