/** Positioned text runs of one PDF page → lines of cells, top to bottom, left to right, column by column. Pure. */
import { readPairs, type TextLine } from './parse.js';

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

/** A page holds at most this many notices side by side. */
const MAX_COLUMNS = 4;
/** Gutters tried per split: the widest first. */
const MAX_GUTTERS_TRIED = 3;

/**
 * The page's lines; notices printed side by side (two certificates on one page) come column after
 * column, each whole, so that the fields of one are never read with the other's.
 */
export function linesOfPage(page: number, runs: readonly PositionedText[]): TextLine[] {
  const text = runs.filter((r) => r.str.trim() !== '');
  return columnsOf(page, text, MAX_COLUMNS).flatMap((column) => rowsOf(page, column));
}

/**
 * Splits runs at a vertical gutter no run crosses, when the text on each side reads as a notice
 * of its own. A gutter alone is not enough: a table's label and value columns have one too.
 */
function columnsOf(page: number, runs: readonly PositionedText[], max: number): Array<readonly PositionedText[]> {
  if (max < 2) return [runs];
  for (const at of gutters(runs)) {
    const left = runs.filter((r) => r.x < at);
    const right = runs.filter((r) => r.x >= at);
    if (readPairs(rowsOf(page, left)).length > 0 && readPairs(rowsOf(page, right)).length > 0) {
      const leftColumns = columnsOf(page, left, max - 1);
      return [...leftColumns, ...columnsOf(page, right, max - leftColumns.length)];
    }
  }
  return [runs];
}

/** Where a gutter is: x positions with no text from top to bottom, wider than a table cell's gap, the widest first. */
function gutters(runs: readonly PositionedText[]): number[] {
  const byX = [...runs].sort((a, b) => a.x - b.x);
  const found: Array<{ at: number; width: number }> = [];
  let end = -Infinity;
  for (const run of byX) {
    const width = run.x - end;
    if (end > -Infinity && width > CELL_GAP * Math.max(run.height, 1)) found.push({ at: run.x, width });
    end = Math.max(end, run.x + run.width);
  }
  return found
    .sort((a, b) => b.width - a.width)
    .slice(0, MAX_GUTTERS_TRIED)
    .map((g) => g.at);
}

function rowsOf(page: number, runs: readonly PositionedText[]): TextLine[] {
  const sorted = [...runs].sort((a, b) => b.y - a.y || a.x - b.x);
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
