import type { FastifyRequest } from 'fastify';
import { LOCAL_OPERATOR, type Principal } from '../core/principal.ts';

/**
 * Stand-in for `principalOf` of src/http/auth/request-principal.ts until authentication lands: the
 * principal the auth hook set, else the local operator (today every request runs unauthenticated).
 */
export function principalOf(request: FastifyRequest): Principal {
  return (request as FastifyRequest & { principal?: Principal }).principal ?? LOCAL_OPERATOR;
}
