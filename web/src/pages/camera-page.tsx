import { useCan } from '../auth.tsx';
import { TARGET_FPS } from '../camera/frame-loop.ts';
import { useCameraIdentify } from '../camera/use-camera-identify.ts';
import { useTitle } from '../router.tsx';

/** The live camera: the faces in view boxed and named, as fast as the server answers. */
export function CameraPage() {
  useTitle('Live camera');
  const editor = useCan('editor');
  const { videoRef, canvasRef, state, message, serverError, names, rate, latency, start, stop } =
    useCameraIdentify();
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
