import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { repositoryModelPath } from './onnx-runtime.ts';
import { ARC_FACE_MODEL_FILE, YUNET_MODEL_FILE } from './tfjs-runtime.ts';

describe('committed model files', () => {
  const files = [
    [YUNET_MODEL_FILE, '104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12'],
    [ARC_FACE_MODEL_FILE, '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581'],
  ] as const;
  for (const [file, sha256] of files)
    it(`${file} is the file models/NOTICE.md names (same sha256)`, async () => {
      const bytes = await readFile(repositoryModelPath(file));
      const digest = createHash('sha256').update(bytes).digest('hex');
      const notice = await readFile(repositoryModelPath('NOTICE.md'), 'utf8');
      expect(notice).toContain(digest);
      expect(notice).toContain(`\`${file}\``);
      expect(digest).toBe(sha256);
    });
});
