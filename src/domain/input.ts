import { z } from 'zod';
import { isCalendarDate } from './event.js';

/**
 * Characters no typed text needs (SPEC §2): C0 and C1 controls and the bidirectional overrides and
 * isolates, which can make text read differently from what it holds. NUL also breaks PostgreSQL text.
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** The same, but for tab and line breaks, which a multi-line field (a memo, a browser's CRLF) holds. */
const FORBIDDEN_IN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters';

export function hasControlCharacters(text: string, opts: { multiline?: boolean } = {}): boolean {
  return (opts.multiline ? FORBIDDEN_IN_MULTILINE : FORBIDDEN).test(text);
}

/** A string a person typed: free of control characters (tab and line breaks allowed when multi-line). */
export function typedText(opts: { multiline?: boolean } = {}) {
  return z.string().refine((s) => !hasControlCharacters(s, opts), CONTROL_CHARACTER_MESSAGE);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids arrive from URLs: anything but a UUID is simply not found, never a database error. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** A day to search by: a calendar day PostgreSQL can compare with a timestamp (it has no year 0, which JS dates have). */
export function isSearchableDay(s: string): boolean {
  return isCalendarDate(s) && s >= '1900-01-01' && s <= '9999-12-31';
}

export const searchDay = z.string().refine(isSearchableDay, 'must be a date written YYYY-MM-DD, from 1900 on').meta({ format: 'date' });
