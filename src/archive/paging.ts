import { z } from 'zod';
import type { NumberedPaging } from '../render/index.js';

/** `?page=` of the clerk's list: a page number from 1; anything else is the first page, not an error. */
export const pageNumberSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);

export function numberedPaging(result: { page: number; pages: number; total: number; pageSize: number; items: readonly unknown[] }): NumberedPaging {
  const { page, pages, total, pageSize } = result;
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const shown = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const numbers: NumberedPaging['numbers'] = [];
  for (const [i, n] of shown.entries()) {
    if (i > 0 && n - shown[i - 1]! > 1) numbers.push(null);
    numbers.push({ page: n, current: n === page });
  }
  return {
    page,
    pages,
    total,
    first,
    last: first === 0 ? 0 : first + result.items.length - 1,
    previous: page > 1 ? page - 1 : null,
    next: page < pages ? page + 1 : null,
    numbers,
  };
}
