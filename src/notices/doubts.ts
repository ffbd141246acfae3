import type { NoticeItem } from './read.js';

/** Keys issuers hand out are 10 to 16 characters (e.g. `7KQ4-M2XD-9PRA`); anything else is worth a second look. */
const USUAL_KEY_LENGTH = { min: 10, max: 16 };

export type NoticeDoubt = { code: 'kind' } | { code: 'number' } | { code: 'key'; length: number };

/** What a clerk should check in a pair read from a notice before looking it up. */
export function doubtsAbout(item: Pick<NoticeItem, 'number' | 'authKey' | 'kind' | 'numberLabel'>): NoticeDoubt[] {
  const doubts: NoticeDoubt[] = [];
  if (item.kind === null) doubts.push({ code: 'kind' });
  if (item.numberLabel === 'contract' && !/^[0-9]{10}$/.test(item.number)) doubts.push({ code: 'number' });
  if (item.authKey.length < USUAL_KEY_LENGTH.min || item.authKey.length > USUAL_KEY_LENGTH.max) doubts.push({ code: 'key', length: item.authKey.length });
  return doubts;
}
