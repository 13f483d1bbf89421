import { api, describeError } from '../api.ts';
import { drawOverlay, type Shown } from './camera-overlay.ts';

/**
 * Frames sent per second at most, and how many may be on their way at once. One identify costs the engine
 * ~0.2 s of one thread, so a frame must always be waiting in the engine's interactive lane when a thread
 * comes free: with only as many in flight as there are threads, a batch photo takes the thread in the
 * moment between one answer and the next frame, and holds it for a whole photo. Three in flight keep a frame
 * queued on a 2-thread engine (≈ 2 × 4.6 answers a second when idle); 8 a second leaves the batch a share.
 */
export const TARGET_FPS = 8;
const MAX_IN_FLIGHT = 3;
/** Frames are scaled down to this width before sending: plenty for faces, cheap to encode and decode. */
const FRAME_WIDTH = 480;

/** What the page shows of a running loop. */
export interface FrameLoopListener {
  /** The names in the newest answer (`unknown` for a face nobody matched), when they change. */
  names(names: string): void;
  /** Answers a second over the last two seconds, and the mean round trip of the last 20 (ms). */
  stats(rate: number, latencyMs: number): void;
  /** The last frame failed (a sentence), or null once a frame succeeds again. */
  serverError(message: string | null): void;
}

/**
 * Sends frames of the playing `video` to the identify API, at most TARGET_FPS a second and MAX_IN_FLIGHT
 * at once, and draws each newer answer over it on `canvas`. `stop` ends it: the camera's tracks are
 * stopped and the overlay cleared.
 */
export function startFrameLoop(
  video: HTMLVideoElement,
  canvas: HTMLCanvasElement,
  stream: MediaStream,
  listener: FrameLoopListener,
): { stop(): void } {
  const grab = document.createElement('canvas');
  const aborter = new AbortController();
  let inFlight = 0;
  let sequence = 0;
  let lastApplied = 0;
  let shown: Shown | null = null;
  let lastNames = '';
  const completions: number[] = [];
  const latencies: number[] = [];

  let lastSent = 0;
  let painting = 0;
  // Paint when an answer arrives (and when boxes go stale), not on every animation frame: without a GPU,
  // repainting the overlay 60 times a second costs the CPU the server needs.
  const paint = () => {
    painting ||= requestAnimationFrame(() => {
      painting = 0;
      drawOverlay(canvas, video, shown);
    });
  };
  const send = () => {
    const now = performance.now();
    if (inFlight >= MAX_IN_FLIGHT || video.videoWidth === 0 || now - lastSent < 900 / TARGET_FPS) return;
    lastSent = now;
    const scale = Math.min(1, FRAME_WIDTH / video.videoWidth);
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext('2d')?.drawImage(video, 0, 0, grab.width, grab.height);
    const mine = ++sequence;
    const sentAt = performance.now();
    inFlight++;
    grab.toBlob(
      (blob) => {
        if (!blob) {
          inFlight--;
          return;
        }
        api
          .identify(blob, aborter.signal)
          .then((result) => {
            const now = performance.now();
            completions.push(now);
            latencies.push(now - sentAt);
            if (latencies.length > 20) latencies.shift();
            // Answers can come back out of order: never replace a newer frame's boxes with an older one's.
            if (mine > lastApplied) {
              lastApplied = mine;
              shown = { result, at: now };
              paint();
              const seen = result.faces.map((f) => f.match?.name ?? 'unknown').join(', ');
              if (seen !== lastNames) {
                lastNames = seen;
                listener.names(seen);
              }
            }
            listener.serverError(null);
          })
          .catch((error) => {
            if (!aborter.signal.aborted) listener.serverError(describeError(error));
          })
          .finally(() => {
            inFlight--;
            // A slot is free: send the next frame now if it is due, rather than at the next tick.
            if (!aborter.signal.aborted) send();
          });
      },
      'image/jpeg',
      0.8,
    );
  };

  const timer = setInterval(send, 1000 / TARGET_FPS);
  const stats = setInterval(() => {
    const now = performance.now();
    while (completions.length > 0 && (completions[0] ?? 0) < now - 2000) completions.shift();
    listener.stats(
      completions.length / 2,
      latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
    );
    if (shown && now - shown.at > 1000) paint();
  }, 500);
  window.addEventListener('resize', paint);

  return {
    stop: () => {
      clearInterval(timer);
      clearInterval(stats);
      cancelAnimationFrame(painting);
      window.removeEventListener('resize', paint);
      aborter.abort();
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
      canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
    },
  };
}
