// The HTTP surface: the app factory, the server, and the feature routers the service mounts.
export { createApp } from './app.js';
export { openApiRoutes } from './api-operations.js';
export { listen } from './server.js';
export type { ReadinessCheck } from './health.js';
export { alertPages, alertsApi } from './routes/alerts.js';
export { apiRoutes, apiSurface } from './routes/api.js';
export { archiveApi, archivePages } from './routes/archive.js';
export { auditPages } from './routes/audit.js';
export { browserRoutes } from './routes/browser.js';
export { certificateRoutes } from './routes/certificates.js';
export { contractApi, contractPages } from './routes/contracts.js';
export { lookupRoutes } from './routes/lookup.js';
export { noticesApi, noticesPages } from './routes/notices.js';
export { pushRoutes } from './routes/push.js';
export { sessionRoutes } from './routes/session.js';
