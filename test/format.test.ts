import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatGregorianJa, formatJst, formatWareki, formatWarekiParts, formatYen, parseIsoDate, parseWareki } from '../src/domain/format.js';

describe('formatWareki', () => {
  it.each([
    ['2024-06-03', '令和6年6月3日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2019-04-30', '平成31年4月30日'],
    ['2019-12-31', '令和元年12月31日'],
    ['2020-01-01', '令和2年1月1日'],
    ['1989-01-07', '昭和64年1月7日'],
    ['1989-01-08', '平成元年1月8日'],
    ['1926-12-24', '大正15年12月24日'],
    ['1926-12-25', '昭和元年12月25日'],
    ['1912-07-29', '明治45年7月29日'],
    ['1912-07-30', '大正元年7月30日'],
    ['1873-01-01', '明治6年1月1日'],
    ['2024-02-29', '令和6年2月29日'],
    ['2000-02-29', '平成12年2月29日'],
    ['2024-12-31', '令和6年12月31日'],
  ])('%s → %s', (iso, wareki) => {
    expect(formatWareki(iso)).toBe(wareki);
    expect(parseWareki(wareki)).toBe(iso);
  });

  it('gives the parts for a layout that writes them separately', () => {
    expect(formatWarekiParts('2019-05-01')).toEqual({ era: '令和', year: 1, month: 5, day: 1 });
  });

  it.each(['2024-02-30', '2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-6-3', '20240603', '', 'x'])('rejects %j', (iso) => {
    expect(() => formatWareki(iso)).toThrow(RangeError);
  });

  it('rejects dates before the Gregorian calendar reached Japan', () => {
    expect(() => formatWareki('1872-12-31')).toThrow(RangeError);
  });
});

describe('parseWareki', () => {
  it('reads full-width digits', () => {
    expect(parseWareki('令和６年６月３日')).toBe('2024-06-03');
  });

  it.each(['平成31年5月1日', '令和元年4月30日', '昭和64年1月8日', '平成0年1月8日', '明治5年12月31日', '令和6年2月30日', '西暦2024年6月3日'])(
    'rejects %s',
    (text) => {
      expect(() => parseWareki(text)).toThrow(RangeError);
    },
  );

  it('round-trips every date from 1900 to 2100', () => {
    const dates = fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
      .map((date) => date.toISOString().slice(0, 10));
    fc.assert(fc.property(dates, (iso) => parseWareki(formatWareki(iso)) === iso));
  });
});

describe('parseIsoDate and formatGregorianJa', () => {
  it('splits and writes a calendar date', () => {
    expect(parseIsoDate('2024-06-03')).toEqual({ year: 2024, month: 6, day: 3 });
    expect(formatGregorianJa('2024-06-03')).toBe('2024年6月3日');
    expect(() => formatGregorianJa('2024-02-30')).toThrow(RangeError);
  });
});

describe('formatYen and formatAmount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [49280000, '49,280,000'],
    [123200000, '123,200,000'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254,740,991'],
  ])('%d → %s', (amount, text) => {
    expect(formatAmount(amount)).toBe(text);
    expect(formatYen(amount)).toBe(`金${text}円`);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('rejects %d', (amount) => {
    expect(() => formatYen(amount)).toThrow(RangeError);
  });

  it('keeps the digits when the commas are taken out', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (amount) => formatAmount(amount).replaceAll(',', '') === String(amount)));
  });
});

describe('formatJst', () => {
  it('shows the time in Japan and says so', () => {
    const instant = new Date('2024-06-03T00:00:05Z');
    expect(formatJst(instant, 'ja')).toBe('2024年6月3日 09:00:05 JST');
    expect(formatJst(instant, 'en')).toBe('2024-06-03 09:00:05 JST');
  });

  it('moves to the next day in Japan after 15:00 UTC, also across a year end', () => {
    expect(formatJst('2024-12-31T15:00:00Z', 'en')).toBe('2025-01-01 00:00:00 JST');
    expect(formatJst('2024-12-31T14:59:59.999Z', 'ja')).toBe('2024年12月31日 23:59:59 JST');
  });

  it('rejects what is not a time', () => {
    expect(() => formatJst('yesterday', 'ja')).toThrow(RangeError);
    expect(() => formatJst(new Date(Number.NaN), 'en')).toThrow(RangeError);
  });
});
