import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Paint } from './style.js';

/** Writes honouring back-pressure, so streaming a large store never buffers it all in memory. */
export async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Applied after padding, so colour codes never upset the widths. */
  paint?: Paint;
}

/** A plain-text table: a header row and space-separated, padded columns. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly string[][],
  headerPaint?: Paint,
): string[] {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const render = (cells: readonly string[], paints: readonly (Paint | undefined)[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const last = i === cells.length - 1;
        const padded =
          columns[i]?.align === 'right' ? cell.padStart(width) : last ? cell : cell.padEnd(width);
        return paints[i] ? paints[i]!(padded) : padded;
      })
      .join('  ');
  return [
    render(
      columns.map((c) => c.header),
      columns.map(() => headerPaint),
    ),
    ...rows.map((r) =>
      render(
        r,
        columns.map((c) => c.paint),
      ),
    ),
  ];
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Cuts `text` to `width` characters with an ellipsis; `undefined` width keeps it whole. */
export function truncate(text: string, width: number | undefined): string {
  if (width === undefined || text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

export function range(first: number, last: number): string {
  return first === last ? String(first) : `${first}–${last}`;
}

/** `position 14` or `positions 14–20`: a range named with its noun in the right number. */
export function counted(noun: string, first: number, last: number): string {
  return first === last ? `${noun} ${first}` : `${noun}s ${first}–${last}`;
}
