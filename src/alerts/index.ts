export {
  ALERT_TYPES,
  alertListSchema,
  alertMessage,
  countOpenAlerts,
  listAlerts,
  resolveAlert,
  resolveSchema,
  toAlertJson,
  type Alert,
  type AlertJson,
  type AlertListQuery,
  type AlertType,
} from './alerts.js';
export { raiseIngestAlerts, raiseFilingAlerts, type ArrivedEvent, type FiledRevision } from './raise.js';
export { trackContractGuarantees, raiseMissingGuarantees } from './ledger.js';
export { addWebhook, removeWebhook, listWebhooks, recentDeliveries, type WebhookEndpoint } from './webhooks.js';
export { checkWebhookUrl, isPrivateAddress, postJson, UnsafeUrlError } from './safe-http.js';
export { createMailer, type Mailer, type MailSettings } from './mail.js';
export { OutboxWorker, AlertJobs, digestJob, previousJstDay } from './worker.js';
export { setUserNotification, notifySchema, type Notify } from './users.js';
/** The audit log actions this capability records (auditlog/actions.ts joins every list into AuditAction). */
export const ALERTS_AUDIT_ACTIONS = ['alert.raise', 'alert.resolve', 'admin.webhook.add', 'admin.webhook.remove'] as const;
