/** Positioned text runs of one PDF page → lines of cells, top to bottom, left to right. Pure. */
import type { TextLine } from './parse.js';

/** A run of text as pdf.js places it: left edge and baseline in points (y grows upwards), width, font height. */
export interface PositionedText {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Runs whose baselines differ by less than this share a line (in font heights). */
const SAME_LINE = 0.5;
/** A gap wider than this (in font heights) parts two table cells; a smaller visible one is a space. */
const CELL_GAP = 1.2;
const SPACE_GAP = 0.2;

export function linesOfPage(page: number, runs: readonly PositionedText[]): TextLine[] {
  const sorted = runs.filter((r) => r.str.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: PositionedText[][] = [];
  for (const run of sorted) {
    const row = rows.at(-1);
    const first = row?.[0];
    if (row && first && Math.abs(first.y - run.y) < SAME_LINE * Math.max(first.height, run.height, 1)) row.push(run);
    else rows.push([run]);
  }
  return rows.map((row) => ({ page, cells: cellsOf(row.sort((a, b) => a.x - b.x)) }));
}

function cellsOf(row: readonly PositionedText[]) {
  const cells: Array<{ text: string; x: number }> = [];
  let end = -Infinity;
  for (const run of row) {
    const gap = run.x - end;
    const h = Math.max(run.height, 1);
    const cell = cells.at(-1);
    if (!cell || gap > CELL_GAP * h) cells.push({ text: run.str, x: run.x });
    else cell.text += (gap > SPACE_GAP * h ? ' ' : '') + run.str;
    end = Math.max(end, run.x + run.width);
  }
  return cells;
}
