import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import {
  Health,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../gen/grpc/health/v1/health_pb.ts';

/**
 * Registers `grpc.health.v1.Health` for one service (and the server as a whole, `""`): SERVING while
 * `isServing()`, otherwise NOT_SERVING; `Watch` sends each change (polled every second).
 */
export function registerHealth(router: ConnectRouter, serviceName: string, isServing: () => boolean): void {
  const known = new Set(['', serviceName]);
  const status = (): HealthCheckResponse =>
    create(HealthCheckResponseSchema, {
      status: isServing()
        ? HealthCheckResponse_ServingStatus.SERVING
        : HealthCheckResponse_ServingStatus.NOT_SERVING,
    });
  router.service(Health, {
    async check(req) {
      if (!known.has(req.service)) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return status();
    },
    async *watch(req, context) {
      if (!known.has(req.service)) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      let last: HealthCheckResponse_ServingStatus | null = null;
      while (!context.signal.aborted) {
        const now = status();
        if (now.status !== last) {
          last = now.status;
          yield now;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
  });
}
