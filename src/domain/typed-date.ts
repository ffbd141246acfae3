/**
 * A date as a Japanese clerk types it: 2024-06-03, 2024/6/3, 2024.6.3, 2024年6月3日, 20240603,
 * R6.6.3 (M, T, S, H, R, either case), 令和6年6月3日, 令和元年, and the same in full-width characters.
 * Pure: no clock, no locale.
 */

import { formatWarekiParts, parseIsoDate, type EraName } from './format.js';

export type TypedDate =
  | { ok: true; date: string }
  /** `format`: not a date in any accepted spelling; `impossible`: no such day (2024-02-30, 13月);
   *  `era`: a day outside the era it names (平成32年, 令和元年4月1日). */
  | { ok: false; problem: 'format' | 'impossible' | 'era' };

const ERA_LETTERS: Record<string, EraName> = { M: '明治', T: '大正', S: '昭和', H: '平成', R: '令和' };
const ERA_FIRST_YEAR: Record<EraName, number> = { 明治: 1868, 大正: 1912, 昭和: 1926, 平成: 1989, 令和: 2019 };

const GREGORIAN = /^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日|(\d{2})(\d{2}))$/;
const WAREKI = /^(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,3})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)$/;

function isoOf(year: number, month: number, day: number): string | null {
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  try {
    parseIsoDate(iso);
    return iso;
  } catch {
    return null;
  }
}

/** The day `text` names, as `YYYY-MM-DD`, or why it names none. */
export function parseTypedDate(text: string): TypedDate {
  const folded = text.normalize('NFKC').replace(/\s/g, '').toUpperCase();
  const gregorian = GREGORIAN.exec(folded);
  if (gregorian) {
    const [, year, ...rest] = gregorian;
    const [month, day] = rest.filter((part) => part !== undefined).map(Number) as [number, number];
    const iso = isoOf(Number(year), month, day);
    return iso ? { ok: true, date: iso } : { ok: false, problem: 'impossible' };
  }
  const wareki = WAREKI.exec(folded);
  if (!wareki) return { ok: false, problem: 'format' };
  const [, eraWritten, eraYear, ...rest] = wareki as unknown as [string, string, string, ...(string | undefined)[]];
  const era = ERA_LETTERS[eraWritten] ?? (eraWritten as EraName);
  const [month, day] = rest.filter((part) => part !== undefined).map(Number) as [number, number];
  const yearOfEra = eraYear === '元' ? 1 : Number(eraYear);
  if (yearOfEra < 1) return { ok: false, problem: 'era' };
  const iso = isoOf(ERA_FIRST_YEAR[era] + yearOfEra - 1, month, day);
  if (!iso) return { ok: false, problem: 'impossible' };
  try {
    return formatWarekiParts(iso).era === era ? { ok: true, date: iso } : { ok: false, problem: 'era' };
  } catch {
    return { ok: false, problem: 'era' }; // before the Gregorian calendar was adopted (明治6年)
  }
}
