import postgres from 'postgres';
import { certificatePdf, proofFor } from '../../src/certificate-pdf/index.js';
import { KeyStore } from '../../src/feed/index.js';
import { silentLogger } from '../../src/log/index.js';
import { loadCertificate } from '../../src/lookup/index.js';
import type { PdfRenderer, PdfRenderInput } from '../../src/pdf/index.js';
import { createRenderer } from '../../src/render/index.js';
import type { BenchDatabase } from './db.js';
import { AUDIENCE, HIROSHIMA, issueCertificates, registerIssuer, revisionId, seedOrganisation, unlock } from './fixtures.js';

/**
 * One certificate unlocked by 広島県 (its API token alongside) and the exact input the service's
 * PDF renderer gets for it: certificatePdf run with a renderer that only keeps what it is given.
 */
export async function certificateToPrint(db: BenchDatabase): Promise<{ id: string; token: string; input: PdfRenderInput }> {
  const issuer = await registerIssuer(db.sql);
  const org = await seedOrganisation(db.sql, HIROSHIMA, [{ username: 'tanaka', role: 'clerk' }]);
  const [number] = await issueCertificates(db.sql, issuer, { first: 2_070_004_426, count: 1, authKey: 'QW12-ER34-TY56' });
  const id = await revisionId(db.sql, number!);
  await unlock(db.sql, HIROSHIMA.id, [id]);

  const sql = postgres(db.url, { max: 2, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  const record = (await loadCertificate(sql, HIROSHIMA.id, id))!;
  let input: PdfRenderInput | null = null;
  const capture: PdfRenderer = {
    render: async (i) => {
      input = i;
      return new Uint8Array();
    },
    warm: async () => {},
    close: async () => {},
    stats: () => ({ renders: 0, failures: 0, relaunches: 0, inUse: 0, queued: 0 }),
    browserPid: () => null,
  };
  await certificatePdf({ renderer: createRenderer(), pdf: capture }, record, await proofFor(sql, new KeyStore(sql, { log: silentLogger }), AUDIENCE, record));
  await sql.end();
  if (!input) throw new Error('no render input captured');
  return { id, token: org.token, input };
}
