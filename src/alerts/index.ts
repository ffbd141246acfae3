export {
  ALERT_TYPES, alertListSchema, alertMessage, countOpenAlerts, listAlerts, resolveAlert, resolveSchema, toAlertJson,
  type Alert, type AlertJson, type AlertListQuery, type AlertType,
} from './alerts.js';
export { raiseIngestAlerts, raiseFilingAlerts, type ArrivedEvent, type FiledRevision } from './raise.js';
export { trackContractGuarantees, raiseMissingGuarantees } from './ledger.js';
export { addWebhook, removeWebhook, listWebhooks, recentDeliveries, type WebhookEndpoint } from './webhooks.js';
export { checkWebhookUrl, isPrivateAddress, postJson, UnsafeUrlError } from './safe-http.js';
export { createMailer, type Mailer, type MailSettings } from './mail.js';
export { OutboxWorker, AlertJobs, digestJob, previousJstDay } from './worker.js';
export { setUserNotification, notifySchema, type Notify } from './users.js';
