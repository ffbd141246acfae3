import { readFile } from 'node:fs/promises';
import { exitCodeFor, verifyPdfOffline, type OfflineVerification } from '../audit/index.js';
import { certificateForm, formatWareki, formatYen, type CertificatePayload } from '../domain/index.js';
import { translate, type MessageKey } from '../render/index.js';
import { parse } from './args.js';
import type { Command } from './commands.js';
import { UsageError } from './errors.js';

const JWKS_FETCH_TIMEOUT_MS = 10_000;

/**
 * `shosho verify FILE.pdf [--jwks FILE|URL] [--json]` (SPEC §5): the §6 checks over a certificate PDF
 * alone, with no database. Exit 0 passed, 1 failed, 3 indeterminate, 2 could not run.
 */
export const verifyCommand: Command = async (args) => {
  const { values, positionals } = parse(args, { jwks: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('verify takes one PDF file: shosho verify FILE.pdf [--jwks FILE|URL] [--json]');
  const file = positionals[0]!;
  let outcome: OfflineVerification;
  try {
    const pdf = await readInput(file, 'the PDF');
    const jwks = values.jwks === undefined ? null : await loadJwks(values.jwks);
    outcome = await verifyPdfOffline(new Uint8Array(pdf), { jwks });
  } catch (error) {
    process.stderr.write(`shosho verify: ${(error as Error).message}\n`);
    return 2;
  }
  process.stdout.write(values.json ? `${JSON.stringify(outcome.report, null, 2)}\n` : humanReport(outcome, values.jwks));
  return exitCodeFor(outcome.report.result);
};

/** The auditor's trusted keys, from a file or an http(s) URL. */
async function loadJwks(source: string): Promise<unknown> {
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS), headers: { accept: 'application/jwk-set+json, application/json' } });
    } catch (e) {
      throw new Error(`cannot fetch the JWKS at ${source}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new Error(`the JWKS at ${source} answered HTTP ${res.status}`);
    return res.json().catch(() => Promise.reject(new Error(`the JWKS at ${source} is not JSON`)));
  }
  const text = (await readInput(source, 'the JWKS')).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the JWKS ${source} is not JSON`);
  }
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function humanReport({ report, certificate, embeddedKeyThumbprint }: OfflineVerification, jwksSource: string | undefined): string {
  const lines = certificate ? certificateLines(certificate) : ['(the PDF carries no readable certificate revision)'];
  lines.push(
    '',
    `発行者 (iss): ${report.subject.issuer}`,
    `SET SHA-256 (verification.json): ${report.subject.jwsSha256}`,
    `埋め込み鍵の指紋 (RFC 7638 thumbprint of the key in the PDF): ${embeddedKeyThumbprint ?? "(none under the SET's kid)"}`,
    `検証に使った鍵 (keys used): ${jwksSource ?? "the key embedded in the PDF (give --jwks with the issuer's published keys to decide the signature)"}`,
    '',
    `検証結果 (verification report), checked at ${report.checkedAt}: ${report.result.toUpperCase()}`,
    ...report.checks.map((c) => `  ${c.result.padEnd(13)} ${c.name.padEnd(17)} ${c.detail}`),
  );
  return `${lines.join('\n')}\n`;
}

function certificateLines(c: CertificatePayload): string[] {
  const t = (key: string) => translate('ja', key as MessageKey);
  const form = certificateForm(c.kind);
  const period = (p: { from: string; to: string }) => `${formatWareki(p.from)} 〜 ${formatWareki(p.to)}`;
  const advance = c.guarantee.advancePayment;
  const rows: Array<[string, string]> = [
    [t(form.number), c.number],
    ['種類', `${t(form.title)}（${t(`revisionType.${c.revisionType}`)}・revision ${c.revision}）`],
    [t('cert.issuedOn'), formatWareki(c.issuedOn)],
    [t(form.fields.guarantor), [c.guarantor.name, c.guarantor.office].filter(Boolean).join(' ')],
    [t(form.fields.obligee), c.obligee.name],
    [t(form.fields.contractorName), c.contractor.name],
    [t('cert.field.projectName'), c.project.name],
    [t('cert.field.contractPrice'), formatYen(c.project.contractPrice)],
    [t('cert.field.projectPeriod'), period(c.project.period)],
    [t(form.fields.guaranteeAmount), formatYen(c.guarantee.amount)],
    [t(form.fields.guaranteePeriod), period(c.guarantee.period)],
    ...(advance === undefined
      ? []
      : [[t(form.fields[c.kind === 'advance_payment' ? 'advancePayment' : 'interimAdvancePayment']), formatYen(advance)] as [string, string]]),
  ];
  return rows.map(([label, value]) => `${label}: ${value}`);
}
