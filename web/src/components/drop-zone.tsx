import { type ChangeEvent, type DragEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';

/** A file with the path it had inside a dropped or picked folder (or just its name). */
export interface PickedFile {
  file: File;
  name: string;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function filesOfEntry(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, name: entry.fullPath.replace(/^\//, '') || file.name });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in chunks until it returns an empty list.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader))
      for (const child of batch) await filesOfEntry(child, out);
  }
}

/** Files of a drop: folders are walked recursively where the browser allows it. */
async function droppedFiles(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  if (entries.length === 0) return [...transfer.files].map((file) => ({ file, name: file.name }));
  const out: PickedFile[] = [];
  for (const entry of entries) await filesOfEntry(entry, out);
  return out;
}

function pickedFiles(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
}

/**
 * Drop files (or folders) here, or pick them with the buttons: both are real, labelled file inputs,
 * so the zone works with the keyboard and screen readers too.
 */
export function DropZone({
  onFiles,
  label,
  hint,
  allowFolders = false,
  testId,
}: {
  onFiles: (files: PickedFile[]) => void;
  label: string;
  hint?: ReactNode;
  allowFolders?: boolean;
  testId?: string;
}) {
  const [over, setOver] = useState(false);
  const filesId = useId();
  const folderId = useId();
  const folderRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Not in React's attribute list: set it on the element.
    folderRef.current?.setAttribute('webkitdirectory', '');
  }, []);

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setOver(false);
    void droppedFiles(event.dataTransfer).then((files) => {
      if (files.length > 0) onFiles(files);
    });
  };

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    onFiles(pickedFiles(event.target.files));
    event.target.value = '';
  };

  return (
    <section
      className={`drop-zone${over ? ' drop-zone-over' : ''}`}
      aria-label={label}
      data-testid={testId}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="drop-zone-title">{label}</p>
      {hint ? <p className="muted">{hint}</p> : null}
      <div className="drop-zone-buttons">
        <label htmlFor={filesId} className="button">
          Choose files…
        </label>
        <input
          id={filesId}
          className="visually-hidden-input"
          type="file"
          accept="image/*,.pgm,.ppm,.pnm,.heic,.heif"
          multiple
          onChange={onPick}
        />
        {allowFolders ? (
          <>
            <label htmlFor={folderId} className="button">
              Choose a folder…
            </label>
            <input
              id={folderId}
              ref={folderRef}
              className="visually-hidden-input"
              type="file"
              multiple
              onChange={onPick}
            />
          </>
        ) : null}
      </div>
    </section>
  );
}
