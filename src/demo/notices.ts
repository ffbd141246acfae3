import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from '../db/index.js';
import { NoticePrinter, type NoticeContent, type NoticePrintOptions } from '../../reference-issuer/index.js';
import type { DemoCertificate } from './index.js';

/**
 * Key-notice PDFs for the demo certificates, in the reference issuer's layouts: two notices on one
 * page (table), one per page (label-colon lines), one alone (table), two side by side on a
 * landscape page (table). Returns the files written.
 */
export async function writeDemoNotices(sql: Sql, certificates: readonly DemoCertificate[], dir: string): Promise<string[]> {
  const contents: NoticeContent[] = [];
  for (const c of certificates.slice(0, 7)) {
    const [row] = await sql<
      Array<{
        payload: {
          project: { name: string };
          contractor: { name: string };
          obligee: { name: string };
          guarantor: { name: string; office?: string };
          issuedOn: string;
        };
      }>
    >`
      select payload from certificate_revisions where number = ${c.number} and revision = ${c.revision} limit 1`;
    if (!row) continue;
    const p = row.payload;
    contents.push({
      number: c.number,
      authKey: c.authKey,
      kind: c.kind,
      revisionType: c.revisionType as NoticeContent['revisionType'],
      projectName: p.project.name,
      contractor: p.contractor.name,
      obligee: p.obligee.name,
      issuer: { name: p.guarantor.name, office: p.guarantor.office ?? '' },
      issuedOn: p.issuedOn,
    });
  }
  const files: Array<[name: string, notices: NoticeContent[], options: NoticePrintOptions]> = [
    ['notices-two-on-one-page.pdf', contents.slice(0, 2), { layout: 'table', perPage: 2 }],
    ['notices-one-per-page.pdf', contents.slice(2, 4), { layout: 'lines', perPage: 1 }],
    ['notice-table.pdf', contents.slice(4, 5), { layout: 'table' }],
    ['notices-side-by-side.pdf', contents.slice(5, 7), { layout: 'table', sideBySide: true }],
  ];
  await mkdir(dir, { recursive: true });
  const printer = await NoticePrinter.open();
  try {
    const written: string[] = [];
    for (const [name, notices, options] of files) {
      if (!notices.length) continue;
      const path = join(dir, name);
      await writeFile(path, await printer.print(notices, options));
      written.push(path);
    }
    return written;
  } finally {
    await printer.close();
  }
}
