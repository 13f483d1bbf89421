import { useState } from 'react';

/**
 * A small preview of a file a person dropped: the picture when the browser can show it, otherwise a plain
 * tile saying there is none (a text file, a PGM, a broken photo) instead of the browser's broken-image icon.
 */
export function FilePreview({ src, size = 48 }: { src: string; size?: number }) {
  const [failed, setFailed] = useState(false);
  if (failed)
    return (
      <span className="file-preview-missing" style={{ width: size, height: size }} data-testid="no-preview">
        no preview
      </span>
    );
  return <img src={src} alt="" width={size} height={size} onError={() => setFailed(true)} />;
}
