// Node-only Relay entry (`utp-ts/relay/node`): the client side plus the self-hostable relay server
// (UDP and WebSocket) and its HTTP allocation API.
export * from './index.ts';
export { RelayServer } from './relay-server.ts';
export type { RelayServerOptions, RelayServerLoad } from './relay-server.ts';
export { AllocationStore, RelayAllocation } from './relay-allocations.ts';
export { AllocationApi, AllocationApiError } from './allocation-api.ts';
export type { AllocationApiOptions } from './allocation-api.ts';
export { RateLimiter } from './rate-limiter.ts';
