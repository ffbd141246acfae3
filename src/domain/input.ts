import { z } from 'zod';
import { isCalendarDate } from './event.js';
import { parseTypedDate } from './typed-date.js';

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

const TYPED_DATE_EXAMPLES = '2024-06-03, 2024/6/3, R6.6.3 or 令和6年6月3日';

/**
 * A day typed into a search or filter, in any spelling `parseTypedDate` reads, as `YYYY-MM-DD`.
 * An issue's `params.problem` says why a text is refused (`format`, `impossible`, `era`, `range`).
 */
export const searchDay = z
  .string()
  .transform((text, ctx) => {
    const typed = parseTypedDate(text);
    if (!typed.ok) {
      const why =
        typed.problem === 'format'
          ? `must be a date such as ${TYPED_DATE_EXAMPLES}`
          : typed.problem === 'era'
            ? 'is not a day of the era it names'
            : 'is not a day that exists';
      ctx.addIssue({ code: 'custom', message: why, params: { problem: typed.problem, text } });
      return z.NEVER;
    }
    if (!isSearchableDay(typed.date)) {
      ctx.addIssue({ code: 'custom', message: 'must be from 1900 on', params: { problem: 'range' } });
      return z.NEVER;
    }
    return typed.date;
  })
  .meta({ description: `a day: ${TYPED_DATE_EXAMPLES}` });
