/**
 * Mirrors UTP's `RelayConnectionStatus` (spec §7.3, `Runtime/Relay/RelayConnectionStatus.cs`), as
 * `driver.getRelayConnectionStatus()` returns it.
 */
export const RelayConnectionStatus = {
  /** Binding to the Relay server: no BIND_RECEIVED yet. */
  NotEstablished: 0,
  /** The Relay server acknowledged our BIND. */
  Established: 1,
  /** The allocation is gone or refused (ERROR 1 or 4, REJECTED, or no BIND_RECEIVED within the connect budget). */
  AllocationInvalid: 2,
  /** The driver does not use Relay. */
  NotUsingRelay: 3,
} as const;
export type RelayConnectionStatus = (typeof RelayConnectionStatus)[keyof typeof RelayConnectionStatus];

const names = new Map<number, string>(Object.entries(RelayConnectionStatus).map(([k, v]) => [v, k]));

/** `relayConnectionStatusName(1)` → `'Established'`. */
export function relayConnectionStatusName(status: number): string {
  return names.get(status) ?? String(status);
}
