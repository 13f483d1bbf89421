export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const clamp = (value: number, low: number, high: number) =>
  Math.max(low, Math.min(value, Math.max(low, high)));

const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Where to draw the name label of each face box: above the box, or below it when there is no room above;
 * always inside `area` (the picture on screen, not cut at its edge), and moved down (or up, at the bottom)
 * past the labels placed before it so that no two overlap where the area leaves room.
 */
export function placeLabels(boxes: Rect[], widths: number[], labelHeight: number, area: Rect): Rect[] {
  const placed: Rect[] = [];
  const bottom = area.y + area.height - labelHeight;
  for (const [i, box] of boxes.entries()) {
    const width = Math.min(widths[i] ?? 0, area.width);
    const x = clamp(box.x, area.x, area.x + area.width - width);
    const wanted = box.y - labelHeight >= area.y ? box.y - labelHeight : box.y + box.height;
    const label = { x, y: clamp(wanted, area.y, bottom), width, height: labelHeight };
    for (const step of [labelHeight, -labelHeight]) {
      let tries = placed.length;
      while (tries-- > 0 && placed.some((other) => overlaps(label, other))) {
        const next = label.y + step;
        if (next < area.y || next > bottom) break;
        label.y = next;
      }
      if (!placed.some((other) => overlaps(label, other))) break;
    }
    placed.push(label);
  }
  return placed;
}
