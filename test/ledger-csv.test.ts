import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CSV_BYTES, parseContractsCsv } from '../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';

const HEADER_JA = '契約番号,工事名,受注者,受注者メール,請負代金額,契約日,工期開始,工期終了,必要な保証';
const ROW_JA = 'R6-髙﨑-①,髙﨑地区 道路改良工事,㈱髙﨑組,,"１２，３４５，０００円",2024/6/1,2024/6/2,2025/3/14,契約保証;前払金保証';

const parse = (text: string | Buffer, lang: 'ja' | 'en' = 'en') => parseContractsCsv(typeof text === 'string' ? Buffer.from(text) : text, lang);

describe('reading a contracts CSV (SPEC §9)', () => {
  it('reads Shift_JIS (CP932) as Excel saves it: 髙, 﨑, ① and ㈱ come through', () => {
    const bytes = iconv.encode(`${HEADER_JA}\r\n${ROW_JA}\r\n`, 'cp932');
    expect(bytes.includes(Buffer.from('髙'))).toBe(false); // really not UTF-8
    const { rows, errors } = parse(bytes);
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({
      line: 2,
      reference: 'R6-髙﨑-①',
      input: {
        projectName: '髙﨑地区 道路改良工事',
        contractor: { name: '㈱髙﨑組' },
        contractPrice: 12_345_000,
        contractDate: '2024-06-01',
        period: { from: '2024-06-02', to: '2025-03-14' },
        required: ['contract', 'advance_payment'],
      },
    });
  });

  it('reads UTF-8 with and without a byte order mark, the same', () => {
    const text = `${HEADER_JA}\n${ROW_JA}\n`;
    const plain = parse(text);
    const bom = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(plain.errors).toEqual([]);
    expect(bom.rows).toEqual(plain.rows);
  });

  it('takes English headers in any order, amounts with , 円 and 金, dates with - or /, kinds by SPEC name', () => {
    const { rows, errors } = parse(
      'required,periodTo,reference,contractPrice,projectName,contractor,contractDate,periodFrom\n"advance_payment; interim_advance_payment",2025-03-14,A-1,"金5,000円",工事,建設,2024-06-01,2024/06/02\n',
    );
    expect(errors).toEqual([]);
    expect(rows[0]!.input).toMatchObject({
      contractPrice: 5000,
      period: { from: '2024-06-02', to: '2025-03-14' },
      required: ['advance_payment', 'interim_advance_payment'],
    });
  });

  it("reports every error with its line and field, in the reader's language", () => {
    const csv = [
      'reference,projectName,contractor,contractorEmail,contractPrice,contractDate,periodFrom,periodTo,required',
      'E-1,工事,建設,,abc,2024-02-30,2024-04-01,2024-03-01,contract', // amount, impossible date
      'E-2,工事,建設,not-mail,1000,2024/4/1,2024-04-02,2024-04-01,bogus', // email, period order, kind
      `${'x'.repeat(65)},${'長'.repeat(401)},,,1000,04-01-2024,2024-04-01,2024-04-02,contract`, // reference, too long, missing, date shape
      'E-1,工事,建設,,1000,2024-04-01,2024-04-01,2024-04-02,contract', // duplicate reference
      'E-5,工事,建設',
    ].join('\n');
    const { rows, errors } = parse(csv);
    expect(rows).toEqual([]);
    const at = errors.map((e) => `${e.line}:${e.field}`);
    expect(at).toEqual(
      expect.arrayContaining([
        '2:contractPrice',
        '2:contractDate',
        '3:contractorEmail',
        '3:periodTo',
        '3:required',
        '4:reference',
        '4:projectName',
        '4:contractor',
        '4:contractDate',
        '5:reference',
        '6:',
      ]),
    );
    expect(errors.find((e) => e.line === 5)!.message).toContain('line 2');
    expect(parse(csv, 'ja').errors.find((e) => e.line === 2 && e.field === 'contractPrice')!.message).toBe(
      '「abc」は金額として読めません（例：88,000,000円）。',
    );
  });

  it('refuses a header it does not know, twice, or missing; an empty file; an open quote', () => {
    expect(parse('reference,reference,projectName,colour\n').errors.map((e) => `${e.line}:${e.field}`)).toEqual(
      expect.arrayContaining(['1:reference', '1:colour', '1:contractor', '1:required']),
    );
    expect(parse('').errors).toMatchObject([{ line: 1, field: '' }]);
    expect(parse(`${HEADER_JA}\n`).errors).toMatchObject([{ line: 2 }]);
    expect(parse(`${HEADER_JA}\nA,"工事,1\n`).errors).toMatchObject([{ line: 2, field: '' }]);
  });
});

describe('importing: the API and `shosho contract import`, all or nothing', () => {
  let db: TestDatabase;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let token: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shosho-ledger-csv-'));
  const good = `${HEADER_JA}\r\n${ROW_JA}\r\nR6-2,二級河川工事,備後建設株式会社,info@bingo.example,88000000,2024-06-10,2024-06-11,2025-02-28,中間前払金保証\r\n`;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }));
    svc = await startTestService(db);
  });
  afterAll(async () => {
    await svc?.stop();
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const post = async (body: Buffer, type = 'text/csv') => {
    const res = await fetch(`${svc.url}/api/v1/contracts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  it('one bad row imports nothing; a good file creates, then updates only what changed', async () => {
    const bad = await post(iconv.encode(`${good}R6-3,工事,建設,,1000,2024-04-01,2024-04-01,2024-03-01,契約保証\r\n`, 'cp932'));
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ created: 0, updated: 0, errors: [{ line: 4, field: 'periodTo' }] });
    expect((await db.sql`select count(*)::int as n from contracts`)[0]!.n).toBe(0);
    const first = await post(iconv.encode(good, 'cp932'));
    expect(first.json).toEqual({ created: 2, updated: 0, errors: [] });
    const [row] = await db.sql`select contractor_name from contracts where reference = 'R6-髙﨑-①'`;
    expect(row!.contractor_name).toBe('㈱髙﨑組');
    const again = await post(Buffer.from(good.replace('88000000', '90000000')));
    expect(again.json).toEqual({ created: 0, updated: 1, errors: [] });
    const [changed] = await db.sql`select changed_at from contracts where reference = 'R6-2'`;
    expect(changed!.changed_at).not.toBeNull();
    const audit = await db.sql`select action, outcome from audit_log where action like 'contract.%' order by seq`;
    expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['contract.create:success', 'contract.create:success', 'contract.replace:change_contract']);
    expect((await post(Buffer.from(good), 'application/json')).status).toBe(415);
  });

  it('takes 10,000 rows over HTTP (in Shift_JIS), above the limit of other JSON API bodies; over its own limit is a JSON 413', async () => {
    const rows = Array.from(
      { length: 10_000 },
      (_, i) => `BULK-${i},髙﨑地区道路改良工事（その${i}）,㈱髙﨑組,,"１２，３４５，０００円",2024/6/1,2024/6/2,2025/3/14,契約保証`,
    );
    const csv = iconv.encode(`${HEADER_JA}\r\n${rows.join('\r\n')}\r\n`, 'cp932');
    expect(csv.length).toBeGreaterThan(256 * 1024);
    const res = await post(csv);
    expect(res.json).toEqual({ created: 10_000, updated: 0, errors: [] });
    expect((await db.sql`select count(*)::int as n from contracts where reference like 'BULK-%'`)[0]!.n).toBe(10_000);

    const tooLarge = await post(Buffer.concat([csv, Buffer.alloc(MAX_CSV_BYTES - csv.length + 1, '\n')]));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json).toEqual({ error: { code: 'body_too_large', message: expect.stringContaining(String(MAX_CSV_BYTES)) } });
  }, 120_000);

  it('the command line: exit 0 imported, 1 refused with each error on its own line', async () => {
    const run = (file: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'contract', 'import', '--org', 'hiroshima', file], {
        env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error' },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
      );
    const okFile = path.join(tmp, 'ok.csv');
    fs.writeFileSync(okFile, iconv.encode(`${HEADER_JA}\r\nCLI-1,コマンド工事,建設,,1000,2024-04-01,2024-04-01,2024-05-01,契約保証\r\n`, 'cp932'));
    const ok = await run(okFile);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 created, 0 updated');
    const badFile = path.join(tmp, 'bad.csv');
    fs.writeFileSync(
      badFile,
      `${HEADER_JA}\nCLI-2,工事,建設,,x,2024-04-01,2024-04-01,2024-05-01,契約保証\nCLI-3,工事,建設,,1000,2024-04-01,2024-04-01,2024-05-01,保険\n`,
    );
    const bad = await run(badFile);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${badFile}:2 contractPrice:`);
    expect(bad.stderr).toContain(`${badFile}:3 required:`);
    expect((await db.sql`select count(*)::int as n from contracts where reference like 'CLI-%'`)[0]!.n).toBe(1);
  });
});
