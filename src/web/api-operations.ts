import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { openApiDocument, type ApiOperation } from './openapi.js';
import { alertOperations } from './routes/alerts.js';
import { certificateOperations } from './routes/api.js';
import { archiveOperations } from './routes/archive.js';
import { contractOperations } from './routes/contracts.js';
import { noticeOperations } from './routes/notices.js';

const openApiOperation: ApiOperation = {
  method: 'get',
  path: '/api/v1/openapi.json',
  summary: 'This document',
  public: true,
  answers: [{ status: 200, description: 'The OpenAPI 3.1 document of every /api/v1 route', contentType: 'application/json' }],
  errors: [],
};

/** Every `/api/v1` route, as each route file describes its own. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  ...certificateOperations,
  ...archiveOperations,
  ...contractOperations,
  ...alertOperations,
  ...noticeOperations,
  openApiOperation,
];

/**
 * `GET /api/v1/openapi.json`, served without the API token: it describes only what SPEC §4
 * publishes, and integrators' tools fetch it before they hold a token. Mounted before the
 * API surface, whose token check it would otherwise pass through.
 */
export function openApiRoutes() {
  const app = new Hono<AppEnv>();
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/api/v1/openapi.json', (c) => {
    document ??= openApiDocument([...API_OPERATIONS]);
    return c.json(document);
  });
  return app;
}
