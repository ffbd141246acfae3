import { Hono, type Context } from 'hono';
import { z } from 'zod';
import {
  ALERT_TYPES,
  alertListSchema,
  alertMessage,
  listAlerts,
  listWebhooks,
  recentDeliveries,
  resolveAlert,
  resolveSchema,
  toAlertJson,
  type Alert,
  type AlertJson,
} from '../../alerts/index.js';
import type { Sql } from '../../db/index.js';
import { isMessageKey, translate, type Lang, type Renderer } from '../../render/index.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import type { ApiOperation } from '../openapi.js';
import { formErrors, renderPage } from '../page.js';
import { requester } from '../requester.js';

export interface AlertRouteDeps {
  sql: Sql;
  renderer: Renderer;
}

function itemOf(alert: Alert, lang: Lang) {
  const kindKey = `kind.${alert.kind}`;
  return { ...alert, kindName: alert.kind && isMessageKey(kindKey) ? translate(lang, kindKey) : alert.kind, message: alertMessage(alert, lang) };
}

async function resolve(deps: AlertRouteDeps, c: Context<AppEnv>, note: unknown) {
  const { orgId, actor, client, requestId } = requester(c);
  const alert = await resolveAlert(deps.sql, { orgId, id: c.req.param('id')!, actor, note, client, requestId });
  if (!alert) throw new AppError('alert_not_found', 404);
  return alert;
}

/** `GET /alerts` (open first; filter by state, type and contract) and resolving one with a note (SPEC §3, §10). */
export function alertPages(deps: AlertRouteDeps) {
  const app = new Hono<AppEnv>();
  app.get('/alerts', async (c) => {
    const query = c.req.query();
    const parsed = alertListSchema.safeParse(query);
    if (!parsed.success) {
      return renderPage(c, deps.renderer, 'alerts', { filter: {}, items: [], paging: {}, errors: formErrors(parsed.error) }, 422);
    }
    const { cursor: _cursor, limit: _limit, ...filter } = parsed.data;
    const page = await listAlerts(deps.sql, c.get('principal')!.orgId, parsed.data, { openFirst: true });
    return renderPage(c, deps.renderer, 'alerts', {
      filter,
      items: page.items.map((a) => itemOf(a, c.get('lang'))),
      paging: { next: page.next },
      resolved: query.resolved === '1',
    });
  });
  app.post('/alerts/:id/resolve', async (c) => {
    const form = await c.req.parseBody();
    await resolve(deps, c, typeof form.note === 'string' ? form.note : undefined);
    return c.redirect('/alerts?open=true&resolved=1', 303);
  });
  app.get('/webhooks', async (c) => {
    const orgId = c.get('principal')!.orgId;
    const [endpoints, deliveries] = await Promise.all([listWebhooks(deps.sql, orgId), recentDeliveries(deps.sql, orgId)]);
    return renderPage(c, deps.renderer, 'webhooks', {
      endpoints,
      deliveries: deliveries.map((d) => ({
        url: d.url,
        createdAt: d.created_at,
        attempts: d.attempts,
        deliveredAt: d.delivered_at,
        givenUpAt: d.given_up_at,
        nextAttemptAt: d.next_attempt_at,
        lastError: d.last_error,
      })),
    });
  });
  return app;
}

/** SPEC §10: an alert, `message` the Japanese sentence saying what to do. */
const alertJsonSchema = z.strictObject({
  id: z.uuid(),
  type: z.enum(ALERT_TYPES),
  createdAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().nullable(),
  resolvedBy: z.string().nullable(),
  note: z.string().nullable(),
  contract: z.string().nullable().describe('the reference of the ledger contract concerned'),
  number: z.string().nullable(),
  kind: z.string().nullable(),
  revision: z.number().int().nullable(),
  message: z.string(),
}) satisfies z.ZodType<AlertJson>;

const alertPageJsonSchema = z.strictObject({
  items: z.array(alertJsonSchema),
  next: z.string().nullable().describe('the cursor of the next page, null on the last'),
});

const alert = { name: 'Alert', schema: alertJsonSchema };

/** The routes of `alertsApi`, for the OpenAPI document. */
export const alertOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/alerts',
    summary: 'What needs a person, newest first',
    query: alertListSchema,
    answers: [{ status: 200, description: 'One page of alerts and the cursor of the next', json: { name: 'AlertPage', schema: alertPageJsonSchema } }],
    errors: [401, 422],
  },
  {
    method: 'post',
    path: '/api/v1/alerts/:id/resolve',
    summary: 'Resolve an alert, with an optional note; again, the same alert unchanged',
    body: { json: { name: 'ResolveRequest', schema: resolveSchema }, required: false },
    answers: [{ status: 200, description: 'The alert, resolved', json: alert }],
    errors: [400, 401, 404, 413, 422],
  },
];

/** `GET /api/v1/alerts` and `POST /api/v1/alerts/:id/resolve` (SPEC §10). */
export function alertsApi(deps: AlertRouteDeps) {
  const app = new Hono<AppEnv>();
  app.get('/api/v1/alerts', async (c) => {
    const query = alertListSchema.parse(c.req.query());
    const page = await listAlerts(deps.sql, c.get('principal')!.orgId, query);
    return c.json({ items: page.items.map(toAlertJson), next: page.next });
  });
  app.post('/api/v1/alerts/:id/resolve', async (c) => {
    const { note } = resolveSchema.parse((await readJson(c)) ?? {});
    return c.json(toAlertJson(await resolve(deps, c, note)));
  });
  return app;
}
