import { Hono } from 'hono';
import type { Lookup } from '../../lookup/index.js';
import type { Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { lookupFailure, lookupInput, runLookup } from '../lookup-outcome.js';
import { renderPage } from '../page.js';
import { requester } from '../requester.js';

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
    const result = await runLookup(deps.lookup, input, requester(c));
    if (result.status === 'ok') return c.redirect(`/certificates/${result.revisionId}`, 303);
    const { error, formErrors } = lookupFailure(result, c.get('lang'));
    for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
    return renderPage(c, deps.renderer, 'lookup', { number: input.number, errors: formErrors }, error.status);
  });
  return app;
}
