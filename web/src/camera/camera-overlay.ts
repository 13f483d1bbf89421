import type { IdentifyResult } from '../api.ts';
import { placeLabels, type Rect } from '../components/label-layout.ts';

const LABEL_HEIGHT = 24;

/** The answer whose boxes are on screen, and when it arrived (performance.now()). */
export interface Shown {
  result: IdentifyResult;
  at: number;
}

/** Draws the boxes and names of `shown` over the video (nothing once they are a second old). */
export function drawOverlay(canvas: HTMLCanvasElement, video: HTMLVideoElement, shown: Shown | null): void {
  const width = video.clientWidth;
  const height = video.clientHeight;
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  // Boxes older than a second are stale: better nothing than a box where the face was.
  if (!shown || performance.now() - shown.at > 1000) return;
  const { result } = shown;
  // The video is shown with object-fit: contain; map frame pixels onto the displayed area.
  const scale = Math.min(width / result.width, height / result.height);
  const offsetX = (width - result.width * scale) / 2;
  const offsetY = (height - result.height * scale) / 2;
  ctx.lineWidth = 3;
  ctx.font = '600 16px system-ui, sans-serif';
  const boxes = result.faces.map((face) => ({
    x: offsetX + face.box.left * scale,
    y: offsetY + face.box.top * scale,
    width: (face.box.right - face.box.left) * scale,
    height: (face.box.bottom - face.box.top) * scale,
  }));
  const texts = result.faces.map((face) =>
    face.match ? `${face.match.name} ${face.match.distance.toFixed(2)}` : 'unknown',
  );
  // Labels stay inside the picture and clear of each other, whatever the faces' places.
  const labels = placeLabels(
    boxes,
    texts.map((text) => ctx.measureText(text).width + 10),
    LABEL_HEIGHT,
    { x: offsetX, y: offsetY, width: result.width * scale, height: result.height * scale },
  );
  for (const [i, face] of result.faces.entries()) {
    const box = boxes[i] as Rect;
    const label = labels[i] as Rect;
    const colour = face.match !== null ? '#1fa35b' : '#e0a100';
    ctx.strokeStyle = colour;
    ctx.strokeRect(box.x, box.y, box.width, box.height);
    ctx.fillStyle = colour;
    ctx.fillRect(label.x, label.y, label.width, label.height);
    ctx.fillStyle = '#000';
    ctx.fillText(texts[i] as string, label.x + 5, label.y + 17, label.width - 10);
  }
}
