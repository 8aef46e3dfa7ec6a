import { describe, expect, it } from 'vitest';
import { formatBytes, formatTable } from './output.js';
import { colorsEnabled, stylesFor } from './style.js';

describe('colours', () => {
  it('only on a terminal, never with NO_COLOR', () => {
    expect(colorsEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorsEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorsEnabled({}, {})).toBe(false);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(stylesFor({ isTTY: false }, {}).red('x')).toBe('x');
  });
});

describe('tables', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(
      formatTable(
        [{ header: 'TYPE' }, { header: 'COUNT', align: 'right' }],
        [
          ['A', '1'],
          ['Longer', '100'],
        ],
      ),
    ).toEqual(['TYPE    COUNT', 'A           1', 'Longer    100']);
  });

  it('formats byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
  });
});
