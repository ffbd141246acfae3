import { expect } from 'vitest';

/**
 * Walks a PDF's classic cross-reference sections from the last (startxref) back through /Prev,
 * and checks that every object in use starts where its entry says: what a strict reader relies on
 * and a forgiving one (poppler, pdf-lib) would silently repair. Returns the sections' object numbers, newest first.
 */
export function checkedXrefSections(pdf: Uint8Array): number[][] {
  const text = Buffer.from(pdf).toString('latin1');
  const sections: number[][] = [];
  let at = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  while (Number.isInteger(at)) {
    expect(text.slice(at, at + 4)).toBe('xref');
    const numbers: number[] = [];
    const table = /^xref\s+((?:\d+ \d+\s+(?:\d{10} \d{5} [nf][ \r]\n)*\s*)+)trailer\s*<<([\s\S]*?)>>\s*startxref/.exec(text.slice(at));
    expect(table, `an xref table and trailer at ${at}`).not.toBeNull();
    for (const sub of table![1]!.matchAll(/(\d+) (\d+)\s+((?:\d{10} \d{5} [nf][ \r]\n)*)/g)) {
      const first = Number(sub[1]);
      [...sub[3]!.matchAll(/(\d{10}) (\d{5}) ([nf])/g)].forEach((entry, i) => {
        if (entry[3] === 'f') return;
        const n = first + i;
        const offset = Number(entry[1]);
        expect(text.slice(offset, offset + 20), `object ${n} at ${offset}`).toMatch(new RegExp(`^${n} ${Number(entry[2])} obj\\b`));
        numbers.push(n);
      });
    }
    sections.push(numbers);
    at = Number(/\/Prev\s+(\d+)/.exec(table![2]!)?.[1]);
  }
  expect(sections.length).toBeGreaterThan(0);
  return sections;
}
