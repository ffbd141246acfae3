import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import type { Receiver } from '../../feed/index.js';

const PUSH_RETRY_AFTER_SECONDS = 30;

/**
 * RFC 8935 push: `POST /sets`, 202 with an empty body. Refusals are thrown: the push surface writes
 * every error of /sets as `{ err, description }` (src/web/surface.ts), the body limit included.
 */
export function pushRoutes(receiver: Receiver) {
  const app = new Hono<AppEnv>();
  app.post('/sets', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/secevent+jwt') throw new AppError('unsupported_content_type', { params: { expected: 'application/secevent+jwt' } });
    const token = (await c.req.text()).trim();
    const [result] = await receiver.receive([token], 'push', { client: c.get('clientIp'), requestId: c.get('requestId') });
    if (result!.status === 'refused') throw new AppError(result!.err, { detail: result!.description });
    if (result!.status === 'conflict' || result!.status === 'unstorable') throw new AppError('invalid_request', { detail: result!.description });
    // SPEC §2.3: a SET that cannot be checked now is not refused; RFC 8935 issuers retry
    if (result!.status === 'unavailable') {
      throw new AppError('service_unavailable', { headers: { 'retry-after': String(PUSH_RETRY_AFTER_SECONDS) }, detail: result!.description });
    }
    return c.body(null, 202);
  });
  return app;
}
