import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { repositoryModelPath } from '../runtime/onnx-runtime.ts';
import { YUNET_MODEL_FILE } from '../runtime/tfjs-runtime.ts';

describe('committed model files', () => {
  it('YuNet is the file models/NOTICE.md names (same sha256)', async () => {
    const bytes = await readFile(repositoryModelPath(YUNET_MODEL_FILE));
    const digest = createHash('sha256').update(bytes).digest('hex');
    const notice = await readFile(repositoryModelPath('NOTICE.md'), 'utf8');
    expect(notice).toContain(digest);
    expect(digest).toBe('104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12');
  });
});
