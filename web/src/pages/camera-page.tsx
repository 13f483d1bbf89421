import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError, type IdentifyResult } from '../api.ts';
import { useCan } from '../auth.tsx';
import { placeLabels, type Rect } from '../components/label-layout.ts';
import { useTitle } from '../router.tsx';

/**
 * Frames sent per second at most, and how many may be on their way at once. One identify costs the engine
 * ~0.2 s of one thread, so a frame must always be waiting in the engine's interactive lane when a thread
 * comes free: with only as many in flight as there are threads, a batch photo takes the thread in the
 * moment between one answer and the next frame, and holds it for a whole photo. Three in flight keep a frame
 * queued on a 2-thread engine (≈ 2 × 4.6 answers a second when idle); 8 a second leaves the batch a share.
 */
const TARGET_FPS = 8;
const MAX_IN_FLIGHT = 3;
/** Frames are scaled down to this width before sending: plenty for faces, cheap to encode and decode. */
const FRAME_WIDTH = 480;

const LABEL_HEIGHT = 24;

type CameraState = 'idle' | 'starting' | 'running' | 'error';

/** A message a person can act on, for a getUserMedia failure. */
export function cameraErrorMessage(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was refused. Allow the camera for this site in the browser (the icon in the address bar), then press Start again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'No camera was found. Connect a camera, then press Start again.';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'The camera is in use by another program, or the system blocked it. Close the other program, then press Start again.';
    default:
      return `The camera could not be started: ${error instanceof Error ? error.message : String(error)}`;
  }
}

interface Shown {
  result: IdentifyResult;
  at: number;
}

function drawOverlay(canvas: HTMLCanvasElement, video: HTMLVideoElement, shown: Shown | null): void {
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

export function CameraPage() {
  useTitle('Live camera');
  const editor = useCan('editor');
  const videoRef = useRef<HTMLVideoElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<CameraState>('idle');
  const [message, setMessage] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [names, setNames] = useState<string>('');
  const [rate, setRate] = useState(0);
  const [latency, setLatency] = useState(0);
  const session = useRef<{ stop: () => void } | null>(null);

  const stop = useCallback(() => {
    session.current?.stop();
    session.current = null;
    setState('idle');
    setRate(0);
    setLatency(0);
    setNames('');
  }, []);

  useEffect(() => stop, [stop]);

  const start = async () => {
    const video = videoRef.current;
    const canvas = canvasRef.current;
    if (!video || !canvas) return;
    setMessage(null);
    setServerError(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setState('error');
      setMessage(
        window.isSecureContext
          ? 'This browser cannot use a camera.'
          : 'The camera needs a secure page: open faceflow over https, or at localhost / 127.0.0.1.',
      );
      return;
    }
    setState('starting');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch (error) {
      setState('error');
      setMessage(cameraErrorMessage(error));
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => undefined);

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
                  setNames(seen);
                }
              }
              setServerError(null);
            })
            .catch((error) => {
              if (!aborter.signal.aborted) setServerError(describeError(error));
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
      setRate(completions.length / 2);
      setLatency(latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0);
      if (shown && now - shown.at > 1000) paint();
    }, 500);
    window.addEventListener('resize', paint);

    session.current = {
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
    setState('running');
  };

  const running = state === 'running' || state === 'starting';

  return (
    <>
      <h1>Live camera</h1>
      <p className="muted">
        Frames from your camera go to the server as fast as it answers (at most {TARGET_FPS} a second: the
        frame rate below is what it reaches); the faces it finds are boxed and named over the video. Nothing
        is stored.
      </p>
      {editor ? null : (
        <p className="message message-error" role="alert">
          Your role may look but not identify faces. Ask an administrator for the editor role.
        </p>
      )}
      <p>
        <button
          type="button"
          className="primary"
          disabled={!editor}
          onClick={running ? stop : () => void start()}
          aria-pressed={running}
        >
          {running ? 'Stop camera' : 'Start camera'}
        </button>
      </p>
      {message ? (
        <p className="message message-error" role="alert" data-testid="camera-error">
          {message}
        </p>
      ) : null}
      {serverError ? (
        <p className="message message-error" role="alert">
          The server could not identify the last frame: {serverError}
        </p>
      ) : null}
      <div className={`camera-stage${running ? '' : ' camera-off'}`}>
        <video ref={videoRef} muted playsInline aria-label="Camera view" />
        <canvas ref={canvasRef} className="camera-overlay" />
      </div>
      <dl className="camera-stats">
        <div>
          <dt>In view</dt>
          <dd aria-live="polite" data-testid="camera-names">
            {running ? names || 'no face' : '—'}
          </dd>
        </div>
        <div>
          <dt>Frame rate (boxes drawn per second)</dt>
          <dd data-testid="camera-rate" data-fps={rate.toFixed(1)}>
            {running ? `${rate.toFixed(1)} fps` : '—'}
          </dd>
        </div>
        <div>
          <dt>Round trip</dt>
          <dd data-testid="camera-latency">{running && latency ? `${latency.toFixed(0)} ms` : '—'}</dd>
        </div>
      </dl>
    </>
  );
}
