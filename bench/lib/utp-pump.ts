import { NetworkEvent, NetworkEventType, type NetworkDriver } from '../../plugin/transport/index.ts';
import { DriverLoop } from '../../plugin/transport/api/driver-loop.ts';

/**
 * Drives a NetworkDriver the way a Node server should (`DriverLoop`: an update as soon as datagrams arrive, plus
 * a fallback timer). After each update every connection is accepted, every event handed to `onEvent`, `after`
 * runs, and replies are flushed.
 */
export function pump(driver: NetworkDriver, onEvent: (ev: NetworkEvent) => void, after?: () => void, fallbackMs = 5): () => void {
  const ev = new NetworkEvent();
  const loop = new DriverLoop(driver, () => {
    driver.update();
    while (driver.accept()) { /* accept everyone */ }
    while (driver.popEvent(ev) !== NetworkEventType.Empty) onEvent(ev);
    after?.();
    driver.flush();
  }, { intervalMS: fallbackMs }).start();
  return () => loop.stop();
}
