// Issue 13: dates as a Japanese clerk types them, read by pure domain code (src/domain/typed-date.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatWareki, formatWarekiParts, parseTypedDate, searchDay } from '../src/domain/index.js';

const ERA_LETTER = { 明治: 'M', 大正: 'T', 昭和: 'S', 平成: 'H', 令和: 'R' } as const;
const toFullWidth = (s: string) => s.replace(/[0-9A-Za-z./-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** A real day in 和暦's range (from 明治6年, when Japan took the Gregorian calendar). */
const days = fc
  .date({ min: new Date('1873-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** Every spelling a clerk may type for one day. */
function spellings(iso: string): string[] {
  const [y, m, d] = iso.split('-') as [string, string, string];
  const [month, day] = [Number(m), Number(d)];
  const { era, year } = formatWarekiParts(iso);
  return [
    iso,
    `${y}/${month}/${day}`,
    `${y}.${m}.${d}`,
    `${y}年${month}月${day}日`,
    `${y}${m}${d}`,
    `${ERA_LETTER[era]}${year}.${month}.${day}`,
    `${ERA_LETTER[era].toLowerCase()}${year}/${month}/${day}`,
    formatWareki(iso),
    `${era}${year}年${month}月${day}日`,
    ` ${toFullWidth(`${ERA_LETTER[era]}${year}.${month}.${day}`)} `,
    toFullWidth(`${y}/${month}/${day}`),
  ];
}

describe('parseTypedDate', () => {
  it('reads the spellings the issue names', () => {
    for (const text of ['2024-06-03', '2024/6/3', 'R6.6.3', '令和6年6月3日', '令和６年６月３日', 'ｒ６．６．３', '2024年6月3日']) {
      expect(parseTypedDate(text), text).toEqual({ ok: true, date: '2024-06-03' });
    }
    expect(parseTypedDate('令和元年5月1日')).toEqual({ ok: true, date: '2019-05-01' });
    expect(parseTypedDate('R元.5.1')).toEqual({ ok: true, date: '2019-05-01' });
    expect(parseTypedDate('H31.4.30')).toEqual({ ok: true, date: '2019-04-30' });
  });

  it('every spelling of any day reads as that day (property)', () => {
    fc.assert(
      fc.property(days, (iso) =>
        spellings(iso).every((text) => {
          const parsed = parseTypedDate(text);
          return parsed.ok && parsed.date === iso;
        }),
      ),
      { numRuns: 500 },
    );
  });

  it('a day that does not exist is impossible, not a format error (property)', () => {
    const impossible = fc
      .tuple(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }))
      .map(([year, month, over]) => {
        const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
        return { year, month, day: last + over };
      })
      .filter(({ day }) => day <= 99);
    fc.assert(
      fc.property(impossible, ({ year, month, day }) => {
        for (const text of [`${year}/${month}/${day}`, `${year}年${month}月${day}日`]) {
          expect(parseTypedDate(text), text).toEqual({ ok: false, problem: 'impossible' });
        }
      }),
    );
    expect(parseTypedDate('2024/13/1')).toEqual({ ok: false, problem: 'impossible' });
    expect(parseTypedDate('2023-02-29')).toEqual({ ok: false, problem: 'impossible' });
    expect(parseTypedDate('令和6年2月30日')).toEqual({ ok: false, problem: 'impossible' });
  });

  it('a day outside the era it names is refused as such', () => {
    for (const text of ['平成32年1月1日', 'H31.5.1', '令和元年4月30日', 'R0.6.3', '明治5年12月31日']) {
      expect(parseTypedDate(text), text).toEqual({ ok: false, problem: 'era' });
    }
  });

  it('anything else is a format error, and no input throws (property)', () => {
    for (const text of ['', '6/3', '24-6-3', 'R6.6', '来週', '2024-06-03T00:00', 'X6.6.3']) {
      expect(parseTypedDate(text), text).toEqual({ ok: false, problem: 'format' });
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        const parsed = parseTypedDate(text);
        return parsed.ok ? /^\d{4}-\d{2}-\d{2}$/.test(parsed.date) : ['format', 'impossible', 'era'].includes(parsed.problem);
      }),
    );
  });
});

describe('searchDay (the archive and audit filters)', () => {
  it('gives YYYY-MM-DD, and says why a text is refused', () => {
    expect(searchDay.parse('R6.6.3')).toBe('2024-06-03');
    const problem = (text: string) => {
      const r = searchDay.safeParse(text);
      return r.success ? null : (r.error.issues[0] as { params?: { problem?: string } }).params?.problem;
    };
    expect(problem('2024/2/30')).toBe('impossible');
    expect(problem('平成32年1月1日')).toBe('era');
    expect(problem('06/03/2024')).toBe('format');
    expect(problem('1899-12-31')).toBe('range');
  });
});
