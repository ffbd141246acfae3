import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/** Who is asking, for a route behind sign-in: the principal, and the organisation, actor, client and request id that audit entries record. */
export function requester(c: Context<AppEnv>) {
  const principal = c.get('principal')!;
  return { principal, orgId: principal.orgId, actor: principal.actor, client: c.get('clientIp'), requestId: c.get('requestId') };
}
