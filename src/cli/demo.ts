import { changeFiledCertificateLater, setUpDemo } from '../demo/index.js';
import { setUpDemoLedger } from '../demo/ledger.js';
import { createReceiver, findIssuer, KeyStore, pollOnce } from '../feed/index.js';
import { startService } from '../service/index.js';
import type { Command } from './commands.js';
import { untilSignalled } from './serve.js';

const KIND_JA = { advance_payment: '前払金保証', interim_advance_payment: '中間前払金保証', contract: '契約保証' } as const;
const TYPE_JA: Record<string, string> = { new: '新規', change: '変更', correction: '訂正' };

/** `shosho demo`: the service, a simulated issuer feeding it, and numbers and keys to try. */
export const demoCommand: Command = async (_args, { config, log }) => {
  const service = await startService(config, log);
  const demo = await setUpDemo(service.db.sql, service.url, config.audience);
  const issuer = (await findIssuer(service.db.sql, { id: 'demo-wjcs' }))!;
  const receiver = createReceiver({ sql: service.db.sql, keys: new KeyStore(service.db.sql, { log }), audience: config.audience, log });
  const polled = await pollOnce(issuer, { sql: service.db.sql, receiver, log, intervalMs: config.pollIntervalMs });
  const ledger = await setUpDemoLedger(service.url, demo);

  const out = process.stdout;
  out.write(`\nshosho demo — 電子証書確認サービス\n\n`);
  out.write(`  URL            ${service.url}/\n`);
  out.write(`  login          ${demo.username} / ${demo.password}   (organisation 広島県, role admin)\n`);
  out.write(`  API token      ${demo.apiToken}\n`);
  out.write(`  issuer feed    ${demo.issuer.url}/feed (polled: ${polled.stored} SETs stored)\n`);
  out.write(`  database       ${service.db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir} (for trying shosho; use PostgreSQL for real records)` : 'PostgreSQL'}\n\n`);
  out.write(`  保証契約番号   認証キー          種別            回  区分  \n`);
  for (const c of demo.certificates) {
    out.write(`  ${c.number}     ${c.authKey.padEnd(16)}  ${KIND_JA[c.kind].padEnd(8, '　')}  ${String(c.revision).padStart(2)}  ${TYPE_JA[c.revisionType]}  ${c.note}\n`);
  }
  out.write(`\n  案件台帳 (${service.url}/contracts)\n`);
  for (const c of ledger) out.write(`  ${c.reference.padEnd(8, '　')}  ${c.state.padEnd(10)}  ${c.note}\n`);
  out.write(`\n  Try the API:  curl -s -H 'authorization: Bearer ${demo.apiToken}' -H 'content-type: application/json' \\\n`);
  out.write(`                 -d '{"number":"${demo.certificates[0]!.number}","authKey":"${demo.certificates[0]!.authKey}"}' ${service.url}/api/v1/lookup\n`);
  out.write(`\n  In a minute the issuer sends a 変更 revision of the filed ${demo.toChange.payload.number}: see ${service.url}/alerts\n`);
  out.write(`\n  Ctrl-C stops the service.\n`);
  changeFiledCertificateLater(demo, service.url, 60_000).then(
    (sent) => out.write(`\n  変更 revision sent: ${sent} — an alert is open at ${service.url}/alerts\n`),
    (e) => log.warn('demo: the alert example could not run', { err: e }),
  );
  await untilSignalled();
  await service.stop();
  await demo.issuer.close();
  return 0;
};
