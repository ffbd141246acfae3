import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linesFromText, linesOfPage, readPairs, withoutFontPrograms, type PositionedText } from '../src/notices/index.js';

const read = (text: string) => readPairs(linesFromText(text));

describe('reading pairs from notice text', () => {
  it('the conformance example: label-colon lines', () => {
    expect(read('保証契約番号：2080005678\n認証キー：QW12-ER34-TY\n区分：新規')).toEqual([
      { page: 1, number: '2080005678', authKey: 'QW12ER34TY', kind: null, revisionType: 'new', projectName: null, numberLabel: 'contract' },
    ]);
  });

  it('values in the next cell, on the next line, after a bracketed note; the title that names 認証キー is no value', () => {
    const text = [
      '電子証書閲覧用『認証キー』等のお知らせ',
      '中間前払金保証',
      '工事名\t県道福山鞆線舗装補修工事',
      '保証契約番号',
      '２０８０ ００５６７８',
      'パスワード（半角英数字）: qw12－er34－ty ※大文字小文字の区別なし',
      '区分\t新規登録',
    ].join('\n');
    expect(read(text)).toEqual([
      {
        page: 1,
        number: '2080005678',
        authKey: 'QW12ER34TY',
        kind: 'interim_advance_payment',
        revisionType: 'new',
        projectName: '県道福山鞆線舗装補修工事',
        numberLabel: 'contract',
      },
    ]);
  });

  it('several notices in one text, the kind before or after the pair, each pair once', () => {
    const text = [
      '【前払金保証】',
      '保証契約番号：2070004426',
      '認証キー：AAAA-BBBB-CCCC',
      '区分：変更',
      '【契約保証】',
      '保証契約番号：2070004427',
      '認証キー：DDDD-EEEE-FFFF',
      '保証契約番号：2070004426',
      '認証キー：AAAA-BBBB-CCCC',
      '履行保証保険　証券番号 TK2024000123 閲覧用パスワード ZX98YU76',
      '件名：港湾施設耐震補強工事',
    ].join('\n');
    expect(read(text).map((p) => [p.number, p.authKey, p.kind, p.revisionType, p.projectName, p.numberLabel])).toEqual([
      ['2070004426', 'AAAABBBBCCCC', 'advance_payment', 'change', null, 'contract'],
      ['2070004427', 'DDDDEEEEFFFF', 'contract', null, null, 'contract'],
      ['TK2024000123', 'ZX98YU76', 'performance_insurance', null, '港湾施設耐震補強工事', 'policy'],
    ]);
  });

  it('a viewing URL with the number and a password beside it', () => {
    expect(
      read('下記URLから閲覧できます。\n閲覧URL：https://shosho.example.lg.jp/?number=2070004426\nパスワード：AB12-CD34-EF').map((p) => [p.number, p.authKey]),
    ).toEqual([['2070004426', 'AB12CD34EF']]);
  });

  it('prose about numbers and keys, and a sentence naming several kinds, give nothing', () => {
    expect(read('保証契約番号と認証キーを入力してください。前払金保証、契約保証のいずれも同じです。')).toEqual([]);
  });

  it('positioned runs: a header row of labels with the values under them', () => {
    const lines = linesOfPage(1, [
      { str: '保証契約番号', x: 50, y: 700, width: 60, height: 10 },
      { str: '認証キー', x: 250, y: 700, width: 40, height: 10 },
      { str: '2070004426', x: 52, y: 685, width: 50, height: 10 },
      { str: 'AB12', x: 250, y: 685, width: 20, height: 10 },
      { str: 'CD34', x: 273, y: 685, width: 20, height: 10 },
    ]);
    expect(lines.map((l) => l.cells.map((c) => c.text))).toEqual([
      ['保証契約番号', '認証キー'],
      ['2070004426', 'AB12 CD34'],
    ]);
    expect(readPairs(lines).map((p) => [p.number, p.authKey])).toEqual([['2070004426', 'AB12CD34']]);
  });
});

// SPEC §2: what a Japanese keyboard or a mail program may put into a number or key
const FULL_WIDTH = (c: string) => String.fromCharCode(c.charCodeAt(0) + 0xfee0);
const DASHES = ['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30FC', '\uFF70', '\uFF0D'];
const SPACES = [' ', '\u3000', '  '];

/** The value as a person might have written it: some characters full-width, lower case, spaces and dashes between. */
const written = (canonical: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: canonical.length, maxLength: canonical.length }),
      fc.array(fc.boolean(), { minLength: canonical.length, maxLength: canonical.length }),
      fc.array(fc.option(fc.constantFrom(...DASHES, ...SPACES), { freq: 3 }), { minLength: canonical.length, maxLength: canonical.length }),
    )
    .map(([wide, lower, between]) =>
      [...canonical]
        .map((c, i) => {
          let ch = lower[i] ? c.toLowerCase() : c;
          if (wide[i]) ch = FULL_WIDTH(ch);
          return i < canonical.length - 1 && between[i] ? ch + between[i] : ch;
        })
        .join(''),
    );

const alnum = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const numberArb = fc.array(fc.constantFrom(...'0123456789'), { minLength: 10, maxLength: 10 }).map((a) => a.join(''));
const keyArb = fc.array(fc.constantFrom(...alnum), { minLength: 6, maxLength: 32 }).map((a) => a.join(''));
const separator = fc.constantFrom('：', ':', ' : ', '\t', '\u3000', '\n', '：\n', ' ');
const noise = fc.constantFrom('', '電子証書閲覧用『認証キー』等のお知らせ\n', '備後建設株式会社　御中\n', '下記のとおりお知らせします。\n');

describe('property: any written notice reads back its pair', () => {
  it('random spacing, full-width characters, dashes, labels and separators', () => {
    fc.assert(
      fc.property(
        numberArb.chain((n) => written(n).map((w) => [n, w] as const)),
        keyArb.chain((k) => written(k).map((w) => [k, w] as const)),
        fc.constantFrom('保証契約番号', '保証契約番号'),
        fc.constantFrom('認証キー', '閲覧用パスワード', 'パスワード'),
        separator,
        separator,
        noise,
        fc.boolean(),
        ([number, numberText], [key, keyText], numberLabel, keyLabel, sep1, sep2, before, keyFirst) => {
          const numberLine = `${numberLabel}${sep1}${numberText}`;
          const keyLine = `${keyLabel}${sep2}${keyText}`;
          const text = `${before}${keyFirst ? keyLine : numberLine}\n${keyFirst ? numberLine : keyLine}\n区分：新規`;
          const pairs = read(text);
          expect(pairs.map((p) => [p.number, p.authKey])).toEqual([[number, key]]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

const KIND_WORD = {
  advance_payment: '前払金保証',
  interim_advance_payment: '中間前払金保証',
  contract: '契約保証',
  performance_bond: '履行保証証券',
  performance_insurance: '履行保証保険',
} as const;
const REVISION_WORD = { new: '新規', change: '変更', correction: '訂正' } as const;
const FONT = 10;
/** Roughly how wide a run is: full-width characters a font height, the rest half. */
const runWidth = (s: string) => [...s].reduce((w, c) => w + (c.charCodeAt(0) > 0xff ? FONT : FONT / 2), 0);

const noticeArb = fc.record({
  number: numberArb.chain((n) => written(n).map((w) => [n, w] as const)),
  key: keyArb.chain((k) => written(k).map((w) => [k, w] as const)),
  kind: fc.constantFrom(...(Object.keys(KIND_WORD) as Array<keyof typeof KIND_WORD>)),
  revision: fc.constantFrom(...(Object.keys(REVISION_WORD) as Array<keyof typeof REVISION_WORD>)),
  keyLabel: fc.constantFrom('認証キー', '閲覧用パスワード', 'パスワード'),
  table: fc.boolean(),
});
type GeneratedNotice = typeof noticeArb extends fc.Arbitrary<infer T> ? T : never;

/** One notice as pdf.js would place its runs, its left edge at `left` and its first line at `top`. */
function noticeRuns(n: GeneratedNotice, left: number, top: number): PositionedText[] {
  const rows: Array<[label: string, value: string]> = [
    ['保証の種類', KIND_WORD[n.kind]],
    ['区分', REVISION_WORD[n.revision]],
    ['保証契約番号', n.number[1]],
    [n.keyLabel, n.key[1]],
  ];
  const lineHeight = FONT * 1.8;
  const runs: PositionedText[] = [
    { str: '電子証書閲覧用『認証キー』等のお知らせ', x: left, y: top, width: runWidth('電子証書閲覧用『認証キー』等のお知らせ'), height: FONT },
  ];
  rows.forEach(([label, value], i) => {
    const y = top - (i + 2) * lineHeight;
    if (n.table) {
      runs.push({ str: label, x: left, y, width: runWidth(label), height: FONT }, { str: value, x: left + 100, y, width: runWidth(value), height: FONT });
    } else {
      const line = `${label}：${value}`;
      runs.push({ str: line, x: left, y, width: runWidth(line), height: FONT });
    }
  });
  return runs;
}

describe('property: two notices side by side on one page read back as two', () => {
  it('any two notices in two columns, their lines level or not, each with its own pair, kind and 区分', () => {
    fc.assert(
      fc.property(noticeArb, noticeArb, fc.integer({ min: 20, max: 80 }), fc.integer({ min: -60, max: 60 }), fc.boolean(), (a, b, gutter, drop, shuffle) => {
        fc.pre(a.number[0] !== b.number[0]);
        const left = noticeRuns(a, 50, 780);
        const leftEdge = Math.max(...left.map((r) => r.x + r.width));
        const right = noticeRuns(b, leftEdge + gutter, 780 + drop);
        const runs = shuffle ? [...right, ...left] : [...left, ...right];
        const pairs = readPairs(linesOfPage(1, runs));
        expect(pairs.map((p) => [p.number, p.authKey, p.kind, p.revisionType])).toEqual([
          [a.number[0], a.key[0], a.kind, a.revision],
          [b.number[0], b.key[0], b.kind, b.revision],
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a PDF without its font programs, for reading text faster', () => {
  it('every /FontFile2 (TrueType) key is renamed in place, so every offset stays; Type 1 and CFF programs stay; the original is untouched', () => {
    const pdf = Buffer.from(
      '%PDF-1.7\n1 0 obj << /FontFile2 4 0 R >> endobj 2 0 obj << /FontFile 5 0 R /FontFile3 6 0 R >> endobj\n3 0 obj << /FontFile2 7 0 R >> endobj\nxref',
      'latin1',
    );
    const original = Uint8Array.from(pdf).buffer;
    const lean = withoutFontPrograms(original)!;
    const text = Buffer.from(lean).toString('latin1');
    expect(lean.byteLength).toBe(pdf.length);
    expect(text).toBe(pdf.toString('latin1').replaceAll('/FontFile2', '/SkipFont2'));
    expect(text).toContain('/FontFile 5 0 R /FontFile3 6 0 R');
    expect(Buffer.from(original).equals(pdf)).toBe(true);
  });

  it('a PDF with no embedded TrueType program (a scan, standard fonts, Type 1 only) is not copied', () => {
    expect(withoutFontPrograms(Uint8Array.from(Buffer.from('%PDF-1.7\n1 0 obj << /BaseFont /Helvetica >> endobj', 'latin1')).buffer)).toBeNull();
    expect(withoutFontPrograms(Uint8Array.from(Buffer.from('%PDF-1.7\n1 0 obj << /FontFile 5 0 R >> endobj', 'latin1')).buffer)).toBeNull();
  });
});
