import { hasCachedLfwDevEmbeddings, LFW_DEV, lfwDevEmbeddings } from '../../scripts/lib/lfw-embeddings.ts';
import { readPeopleFolders } from '../../src/cli/people-folders.ts';
import { evaluateOpenSet, type OpenSetEvaluation } from '../../src/core/open-set-evaluation.ts';
import { openSetProtocol } from '../../src/core/open-set-protocol.ts';
import { DEFAULT_MATCH_THRESHOLD } from '../../src/engine/model-info.ts';
import { defaultMatchPolicy } from '../../src/engine/open-set-calibration.ts';

/**
 * Open-set identification on all of lfw-dev with the eval-identify protocol and the model's default
 * operating point, from the embeddings cached by scripts/lib/lfw-embeddings.ts. Null when the cache
 * lacks the current model and `compute` is off (computing takes about 20 minutes on 2 cores).
 */
export async function openSetFigures(options: {
  compute: boolean;
  threads: number;
}): Promise<OpenSetEvaluation | null> {
  if (!options.compute && !(await hasCachedLfwDevEmbeddings())) return null;
  const cached = await lfwDevEmbeddings({ threads: options.threads });
  const model = { ...cached.model, threshold: DEFAULT_MATCH_THRESHOLD };
  const protocol = openSetProtocol(await readPeopleFolders(LFW_DEV));
  return evaluateOpenSet(
    protocol,
    (photo) => cached.byPath.get(photo) ?? null,
    model,
    defaultMatchPolicy(model),
  );
}
