import type { Context } from 'hono';
import { archiveNotesSchema, archiveRevision, findArchived } from '../archive/index.js';
import type { CertificatePdfService } from '../certificate-pdf/index.js';
import type { Sql } from '../db/index.js';
import type { KeyStore } from '../feed/index.js';
import { referenceSchema } from '../ledger/index.js';
import type { Renderer } from '../render/index.js';
import type { AppEnv } from './env.js';
import { requester } from './requester.js';
import { linkError, ownCertificate } from './responses.js';

export interface ArchiveDeps {
  sql: Sql;
  renderer: Renderer;
  pdfs: CertificatePdfService;
  keys: KeyStore;
  audience: string;
}

/** Files an unlocked revision with a freshly made PDF; the same revision again gives back its record. */
export async function fileRevision(
  deps: ArchiveDeps,
  c: Context<AppEnv>,
  notes: { reference?: unknown; memo?: unknown; contract?: unknown },
  id = c.req.param('id')!,
) {
  const who = requester(c);
  const { orgId, actor, client, requestId } = who;
  const parsed = { ...archiveNotesSchema.parse(notes), contract: referenceSchema.nullish().parse(notes.contract) };
  const cert = await ownCertificate(deps.sql, orgId, id);
  // filed before: no new PDF; archiveRevision hands back the record as it is and logs the attempt
  const existing = await findArchived(deps.sql, orgId, cert.id);
  if (existing) return archiveRevision(deps.sql, { orgId, certificate: cert, pdf: new Uint8Array(), actor, ...parsed, client, requestId });
  const pdf = await deps.pdfs.produce(cert, c.get('lang'), who);
  return archiveRevision(deps.sql, { orgId, certificate: cert, pdf, actor, ...parsed, client, requestId }).catch(linkError);
}
