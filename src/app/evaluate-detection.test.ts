import { describe, expect, it } from 'vitest';
import { parseBoxes } from './evaluate-detection.ts';

describe('parseBoxes', () => {
  it('reads WIDER-style lines, flags and photos without faces', () => {
    const boxes = parseBoxes(
      'a.jpg\t10\t20\t30\t40\tblur=2;invalid=0\na.jpg\t1\t2\t3\t4\tinvalid=1\nempty.jpg\n',
    );
    expect(boxes.get('a.jpg')).toEqual([
      { left: 10, top: 20, width: 30, height: 40, invalid: false },
      { left: 1, top: 2, width: 3, height: 4, invalid: true },
    ]);
    expect(boxes.get('empty.jpg')).toEqual([]);
  });

  it('refuses malformed lines and empty files with invalid_input', () => {
    expect(() => parseBoxes('a.jpg\t10\t20\tthirty\t40\n')).toThrow(/boxes line 1/);
    expect(() => parseBoxes('a.jpg\t10\t20\t0\t40\n')).toThrow(/boxes line 1/);
    expect(() => parseBoxes('\n# nothing\n')).toThrow(/lists no photo/);
  });
});
