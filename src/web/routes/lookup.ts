import { Hono } from 'hono';
import { z } from 'zod';
import type { Lookup } from '../../lookup/index.js';
import type { Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { lookupFailure } from '../lookup-outcome.js';
import { renderPage } from '../page.js';

export const lookupInput = z.object({ number: z.string().max(200).default(''), authKey: z.string().max(200).default('') });

export function runLookup(lookup: Lookup, input: z.infer<typeof lookupInput>, who: { orgId: string; actor: string; client: string; requestId: string }) {
  return lookup({ ...who, ...input });
}

/** `GET /` (the form) and `POST /lookup` (SPEC §3). */
export function lookupRoutes(deps: { renderer: Renderer; lookup: Lookup; ledgerAttention: (orgId: string) => Promise<number> }) {
  const app = new Hono<AppEnv>();
  // a link or QR code in a key notice may carry the number (never a key)
  app.get('/', async (c) =>
    renderPage(c, deps.renderer, 'lookup', {
      number: c.req.query('number')?.slice(0, 200),
      ledgerAttention: await deps.ledgerAttention(c.get('principal')!.orgId),
    }),
  );
  // the language switch on a failed lookup's page links here
  app.get('/lookup', (c) => c.redirect('/', 303));
  app.post('/lookup', async (c) => {
    const input = lookupInput.parse(await c.req.parseBody());
    const p = c.get('principal')!;
    const result = await runLookup(deps.lookup, input, { orgId: p.orgId, actor: p.actor, client: c.get('clientIp'), requestId: c.get('requestId') });
    if (result.status === 'ok') return c.redirect(`/certificates/${result.revisionId}`, 303);
    const { error, formErrors } = lookupFailure(result, c.get('lang'));
    for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
    return renderPage(c, deps.renderer, 'lookup', { number: input.number, errors: formErrors }, error.status);
  });
  return app;
}
