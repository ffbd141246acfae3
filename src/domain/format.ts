/**
 * How certificates show dates, amounts and times: 和暦 dates, 円 amounts with
 * ASCII digits, JST timestamps. Pure functions; invalid input throws RangeError.
 */

import type { Kind } from './event.js';

/** Each kind's name as SPEC §1 writes it, for the CSV and the command line (pages use the catalogs). */
export const KIND_NAMES_JA = {
  advance_payment: '前払金保証',
  interim_advance_payment: '中間前払金保証',
  contract: '契約保証',
  performance_bond: '公共工事履行保証証券',
  performance_insurance: '履行保証保険',
} as const satisfies Record<Kind, string>;

export interface IsoDateParts {
  year: number;
  month: number;
  day: number;
}

export interface WarekiParts {
  era: EraName;
  /** Year of the era; 1 is written 元年. */
  year: number;
  month: number;
  day: number;
}

export type EraName = '明治' | '大正' | '昭和' | '平成' | '令和';

interface Era {
  name: EraName;
  /** First day of the era (Gregorian). */
  start: string;
}

/** Newest first, so the first era that started on or before a date is its era. */
const ERAS: readonly Era[] = [
  { name: '令和', start: '2019-05-01' },
  { name: '平成', start: '1989-01-08' },
  { name: '昭和', start: '1926-12-25' },
  { name: '大正', start: '1912-07-30' },
  { name: '明治', start: '1868-01-25' },
];

/** Japan adopted the Gregorian calendar on 明治6年1月1日; earlier dates were lunisolar. */
const EARLIEST_WAREKI = '1873-01-01';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WAREKI_DATE = /^(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日$/;
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function toIsoDate({ year, month, day }: IsoDateParts): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Splits a `YYYY-MM-DD` calendar date, rejecting dates that do not exist (2024-02-30). */
export function parseIsoDate(isoDate: string): IsoDateParts {
  const match = ISO_DATE.exec(isoDate);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${isoDate}`);
  const [year, month, day] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`no such date: ${isoDate}`);
  }
  return { year, month, day };
}

export function formatWarekiParts(isoDate: string): WarekiParts {
  const { year, month, day } = parseIsoDate(isoDate);
  if (isoDate < EARLIEST_WAREKI) throw new RangeError(`和暦 is supported from ${EARLIEST_WAREKI}: ${isoDate}`);
  const era = ERAS.find((candidate) => candidate.start <= isoDate) as Era;
  return { era: era.name, year: year - parseIsoDate(era.start).year + 1, month, day };
}

/** `2024-06-03` → `令和6年6月3日`; the first year of an era is 元年. */
export function formatWareki(isoDate: string): string {
  const { era, year, month, day } = formatWarekiParts(isoDate);
  return `${era}${year === 1 ? '元' : year}年${month}月${day}日`;
}

/** `令和6年6月3日` (full-width digits allowed) → `2024-06-03`; the date must fall within the named era. */
export function parseWareki(text: string): string {
  const match = WAREKI_DATE.exec(text.normalize('NFKC').replace(/\s/g, ''));
  if (!match) throw new RangeError(`not a 和暦 date: ${text}`);
  const [, eraName, eraYear, month, day] = match as unknown as [string, EraName, string, string, string];
  const era = ERAS.find((candidate) => candidate.name === eraName) as Era;
  const year = parseIsoDate(era.start).year + (eraYear === '元' ? 1 : Number(eraYear)) - 1;
  const isoDate = toIsoDate({ year, month: Number(month), day: Number(day) });
  if (formatWarekiParts(isoDate).era !== eraName) throw new RangeError(`${text} is outside ${eraName}`);
  return isoDate;
}

/** `2024-06-03` → `2024年6月3日`. */
export function formatGregorianJa(isoDate: string): string {
  const { year, month, day } = parseIsoDate(isoDate);
  return `${year}年${month}月${day}日`;
}

/** `49280000` → `49,280,000`; whole, non-negative, safe integers only. */
export function formatAmount(amount: number): string {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`an amount is a non-negative safe integer: ${amount}`);
  }
  return String(amount).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `49280000` → `金49,280,000円`, as the paper certificate writes it. */
export function formatYen(amount: number): string {
  return `金${formatAmount(amount)}円`;
}

/** An instant in Japan time: ja `2024年6月3日 09:00:05 JST`, en `2024-06-03 09:00:05 JST`. */
export function formatJst(date: Date | string, lang: 'ja' | 'en'): string {
  const instant = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not a time: ${String(date)}`);
  // Japan has kept +09:00 without daylight saving since 1951, so a fixed offset is exact.
  const shifted = new Date(instant.getTime() + JST_OFFSET_MS);
  const isoDate = toIsoDate({
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  });
  const time = [shifted.getUTCHours(), shifted.getUTCMinutes(), shifted.getUTCSeconds()].map((n) => pad(n)).join(':');
  const day = lang === 'ja' ? formatGregorianJa(isoDate) : isoDate;
  return `${day} ${time} JST`;
}

/**
 * The instants a JST calendar day (`YYYY-MM-DD`) covers: from 00:00 JST (15:00 UTC the day
 * before) up to, not including, 24:00 JST. Japan has no daylight saving, so a day is 24 hours.
 */
export function jstDayBounds(day: string): { start: Date; end: Date } {
  const start = Date.parse(`${day}T00:00:00Z`) - 9 * 3_600_000;
  return { start: new Date(start), end: new Date(start + 86_400_000) };
}
