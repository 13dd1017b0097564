/**
 * Node-only Relay entry (`utp-ts/relay/node`): the client side plus the self-hostable relay server
 * (UDP and WebSocket) and its HTTP allocation API.
 *
 * @module utp-ts/relay/node
 */
export * from './index.ts';
export { RelayServer } from './server/relay-server.ts';
export type { RelayServerOptions, RelayServerLoad } from './server/relay-server.ts';
export { AllocationStore, RelayAllocation } from './server/allocations.ts';
export { AllocationApi, AllocationApiError, DEFAULT_ALLOCATION_BURST, DEFAULT_ALLOCATIONS_PER_SECOND } from './server/allocation-api.ts';
export type { AllocationApiOptions } from './server/allocation-api.ts';
export { RateLimiter } from '../transport/api/rate-limiter.ts';
