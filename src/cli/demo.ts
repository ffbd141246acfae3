import { join } from 'node:path';
import { changeFiledCertificateLater, DEMO_INSURER_ID, setUpDemo, setUpDemoLedger, writeDemoNotices } from '../demo/index.js';
import { KIND_NAMES_JA } from '../domain/index.js';
import { createReceiver, findIssuer, KeyStore, pollOnce } from '../feed/index.js';
import { startService } from '../service/index.js';
import type { Command } from './commands.js';
import { checkChromium, checkFonts } from './environment.js';
import { untilSignalled } from './serve.js';

const TYPE_JA: Record<string, string> = { new: '新規', change: '変更', correction: '訂正' };

/** `shosho demo`: the service, two simulated issuers (a 保証事業会社 and an insurer) feeding it, and numbers and keys to try. */
export const demoCommand: Command = async (_args, { config, log }) => {
  const service = await startService(config, log);
  const demo = await setUpDemo(service.db.sql, service.url, config.audience);
  const receiver = createReceiver({ sql: service.db.sql, keys: new KeyStore(service.db.sql, { log }), audience: config.audience, log });
  const poll = async (id: string) =>
    pollOnce((await findIssuer(service.db.sql, { id }))!, { sql: service.db.sql, receiver, log, intervalMs: config.pollIntervalMs });
  const polled = await poll('demo-wjcs');
  const polledInsurer = await poll(DEMO_INSURER_ID);
  const ledger = await setUpDemoLedger(service.url, demo);

  const out = process.stdout;
  out.write(`\nshosho demo — 電子証書確認サービス\n\n`);
  out.write(`  URL            ${service.url}/\n`);
  out.write(`  login          ${demo.username} / ${demo.password}   (organisation 広島県, role admin)\n`);
  out.write(`  API token      ${demo.apiToken}\n`);
  out.write(`  issuer feed    ${demo.issuer.url}/feed (保証事業会社, polled: ${polled.stored} SETs stored)\n`);
  out.write(`  insurer feed   ${demo.insurer.url}/feed (損害保険会社, polled: ${polledInsurer.stored} SETs stored)\n`);
  out.write(
    `  database       ${service.db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir} (for trying shosho; use PostgreSQL for real records)` : 'PostgreSQL'}\n`,
  );
  out.write(`${await pdfReadiness(config)}\n`);
  out.write(`  保証契約番号／証券番号  認証キー／閲覧用パスワード  種別                  回  区分  \n`);
  for (const c of demo.certificates) {
    out.write(
      `  ${c.number.padEnd(22)}  ${c.authKey.padEnd(26)}  ${KIND_NAMES_JA[c.kind].padEnd(10, '　')}  ${String(c.revision).padStart(2)}  ${TYPE_JA[c.revisionType]}  ${c.note}\n`,
    );
  }
  out.write(`\n  案件台帳 (${service.url}/contracts)\n`);
  for (const c of ledger) out.write(`  ${c.reference.padEnd(8, '　')}  ${c.state.padEnd(10)}  ${c.note}\n`);
  out.write(`\n  Try the API:  curl -s -H 'authorization: Bearer ${demo.apiToken}' -H 'content-type: application/json' \\\n`);
  out.write(`                 -d '{"number":"${demo.certificates[0]!.number}","authKey":"${demo.certificates[0]!.authKey}"}' ${service.url}/api/v1/lookup\n`);
  const notices = await writeDemoNotices(service.db.sql, demo.certificates, join(config.dataDir, 'notices')).catch((e: Error) => e);
  out.write(
    notices instanceof Error
      ? `\n  key notices    not written (${notices.message})\n`
      : `\n  key notices    drop these on the lookup page:\n${notices.map((f) => `                 ${f}\n`).join('')}`,
  );
  out.write(`\n  In a minute the issuer sends a 変更 revision of the filed ${demo.toChange.payload.number}: see ${service.url}/alerts\n`);
  out.write(`\n  Ctrl-C stops the service.\n`);
  changeFiledCertificateLater(demo, service.url, 60_000).then(
    (sent) => out.write(`\n  変更 revision sent: ${sent} — an alert is open at ${service.url}/alerts\n`),
    (e) => log.warn('demo: the alert example could not run', { err: e }),
  );
  await untilSignalled();
  await service.stop();
  await demo.issuer.close();
  await demo.insurer.close();
  return 0;
};

/** The banner's PDF line: a person who cloned shosho onto a machine without Chromium reads here what to install. */
async function pdfReadiness(config: Parameters<typeof checkChromium>[0]): Promise<string> {
  const [chromium, fonts] = [checkChromium(config), await checkFonts()];
  if (chromium.ok && fonts.ok) return `  PDFs           ready (${chromium.detail}; fonts ${fonts.detail})\n`;
  const lines = ['  PDFs           NOT AVAILABLE: pages work, but a PDF answers 503 until you install what is missing, then restart the demo:'];
  for (const c of [chromium, fonts]) if (!c.ok) lines.push(`                 ${c.detail}`, `                   → ${c.fix}`);
  return `${lines.join('\n')}\n`;
}
