import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.js';
import { MAX_SET_BYTES, type Receiver } from '../../feed/index.js';

const PUSH_RETRY_AFTER_SECONDS = 30;

/** RFC 8935 push: `POST /sets`, 202 with an empty body, or 400 `{ err, description }`. */
export function pushRoutes(receiver: Receiver) {
  const app = new Hono<AppEnv>();
  app.post(
    '/sets',
    bodyLimit({
      maxSize: MAX_SET_BYTES,
      onError: (c) => c.json({ err: 'invalid_request', description: `the SET is larger than ${MAX_SET_BYTES} bytes` }, 400),
    }),
    async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/secevent+jwt') {
        return c.json({ err: 'invalid_request', description: 'Content-Type must be application/secevent+jwt' }, 400);
      }
      const token = (await c.req.text()).trim();
      const [result] = await receiver.receive([token], 'push', { client: c.get('clientIp'), requestId: c.get('requestId') });
      if (result!.status === 'refused') return c.json({ err: result!.err, description: result!.description }, 400);
      if (result!.status === 'conflict' || result!.status === 'unstorable') return c.json({ err: 'invalid_request', description: result!.description }, 400);
      // SPEC §2.3: not checkable now is not refused; RFC 8935 issuers retry
      if (result!.status === 'unavailable') return c.json({ description: result!.description }, 503, { 'retry-after': String(PUSH_RETRY_AFTER_SECONDS) });
      return c.body(null, 202);
    },
  );
  return app;
}
