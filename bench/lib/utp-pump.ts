import { NetworkEvent, NetworkEventType, type NetworkDriver } from '../../plugin/transport/index.ts';

/**
 * Drives a NetworkDriver the way a Node server should: an update is scheduled (setImmediate, coalesced)
 * as soon as a datagram arrives, plus a fallback timer for heartbeats and resends. After each update
 * every connection is accepted, every event handed to `onEvent`, `after` runs, and replies are flushed.
 */
export function pump(driver: NetworkDriver, onEvent: (ev: NetworkEvent) => void, after?: () => void, fallbackMs = 5): () => void {
  const ev = new NetworkEvent();
  let scheduled = false;
  const tick = (): void => {
    scheduled = false;
    driver.update();
    while (driver.accept()) { /* accept everyone */ }
    while (driver.popEvent(ev) !== NetworkEventType.Empty) onEvent(ev);
    after?.();
    driver.flush();
  };
  driver.onPacket = () => {
    if (!scheduled) { scheduled = true; setImmediate(tick); }
  };
  const timer = setInterval(tick, fallbackMs);
  return () => { clearInterval(timer); driver.onPacket = null; };
}
