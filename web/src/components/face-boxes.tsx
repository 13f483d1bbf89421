import type { Face } from '../api.ts';

export function faceLabel(face: Face): string {
  if (!face.person) return 'unknown';
  const distance = face.distance === null ? '' : ` (${face.distance.toFixed(2)})`;
  return `${face.person.name}${face.match === 'manual' ? ' (named by hand)' : distance}`;
}

/**
 * Every face of a photo boxed and labelled, drawn in the photo's own pixel space over the <img>.
 * Clicking a box selects the face (the list beside it does the same for keyboard users).
 */
export function FaceBoxes({
  faces,
  width,
  height,
  selected,
  onSelect,
}: {
  faces: Face[];
  width: number;
  height: number;
  selected: string | null;
  onSelect: (faceId: string) => void;
}) {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 150));
  const font = Math.max(11, Math.round(Math.min(width, height) / 22));
  return (
    <svg
      className="face-boxes"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      aria-hidden="true"
    >
      {faces.map((face) => {
        const { left, top, right, bottom } = face.box;
        const label = `${face.index + 1}: ${face.person ? face.person.name : 'unknown'}`;
        const cls = `face-box${face.person ? ' face-known' : ' face-unknown'}${selected === face.id ? ' face-selected' : ''}`;
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: a mouse shortcut; the face list offers the same as buttons
          <g key={face.id} className={cls} onClick={() => onSelect(face.id)} data-face-id={face.id}>
            <rect
              x={left}
              y={top}
              width={right - left}
              height={bottom - top}
              strokeWidth={stroke}
              fill="transparent"
            />
            <text x={left} y={Math.max(font, top - stroke * 2)} fontSize={font} strokeWidth={font / 6}>
              {label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
