import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { startFrameLoop } from './frame-loop.ts';

export type CameraState = 'idle' | 'starting' | 'running' | 'error';

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

export interface CameraIdentify {
  /** Attach to the <video> that shows the camera and the <canvas> drawn over it. */
  videoRef: RefObject<HTMLVideoElement | null>;
  canvasRef: RefObject<HTMLCanvasElement | null>;
  state: CameraState;
  /** Why the camera did not start, as a sentence. */
  message: string | null;
  /** Why the server could not identify the last frame. */
  serverError: string | null;
  /** The names in view, comma-separated (`unknown` for a face nobody matched). */
  names: string;
  /** Answers a second, and the mean round trip in ms (0: none yet). */
  rate: number;
  latency: number;
  start(): Promise<void>;
  stop(): void;
}

/**
 * The live camera: asks for the camera, sends its frames to the identify API and draws the answers over
 * the video; everything stops when `stop` is called or the component unmounts.
 */
export function useCameraIdentify(): CameraIdentify {
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
    session.current = startFrameLoop(video, canvas, stream, {
      names: setNames,
      stats(rate, latency) {
        setRate(rate);
        setLatency(latency);
      },
      serverError: setServerError,
    });
    setState('running');
  };

  return { videoRef, canvasRef, state, message, serverError, names, rate, latency, start, stop };
}
