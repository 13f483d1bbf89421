import type { ConnectRouter } from '@connectrpc/connect';
import type { ModelInfo } from '../core/face.ts';
import { Search } from '../gen/faceflow/v1/search_pb.ts';
import type { GalleryLookup } from '../ports/gallery-lookup.ts';
import type { Logger } from '../ports/logger.ts';
import { nearestRequestFromWire, nearestResponseToWire } from '../wire/search-wire.ts';
import { registerHealth } from './health.service.ts';
import { toConnectError } from './recognizer.service.ts';

export interface SearchServiceDeps {
  /** The gallery of a model (the role keeps one per model it is asked about). */
  gallery: (model: ModelInfo) => GalleryLookup;
  log: Logger;
  /** False while starting (index not restored or built yet) or stopping: health says NOT_SERVING. */
  isServing: () => boolean;
  /** Called after each answered call, with its duration and number of queries (metrics). */
  onAnswer?: (seconds: number, queries: number) => void;
}

/** Registers `faceflow.v1.Search` and `grpc.health.v1.Health` on a Connect router. */
export function searchRoutes(deps: SearchServiceDeps) {
  return (router: ConnectRouter) => {
    router.service(Search, {
      async nearest(req) {
        const started = performance.now();
        try {
          const { model, embeddings, k } = nearestRequestFromWire(req);
          const answer = await deps.gallery(model).nearest(embeddings, k, model);
          deps.onAnswer?.((performance.now() - started) / 1000, embeddings.length);
          return nearestResponseToWire(answer);
        } catch (error) {
          const connectError = toConnectError(error);
          deps.log.warn({ err: connectError.rawMessage, code: connectError.code }, 'search call failed');
          throw connectError;
        }
      },
    });
    registerHealth(router, Search.typeName, deps.isServing);
  };
}
