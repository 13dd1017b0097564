// The legitimate client of the flood tool: one UTP connection to a `utp echo` server exchanging reliable messages
// (pipeline 1 of the echo's default list) at a steady rate, reporting whether every one came back.
import {
  DisconnectReason, DriverLoop, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, FragmentationPipelineStage, disconnectReasonName,
} from '../../plugin/transport/index.ts';

/** What the legitimate client saw while the flood ran. */
export interface LegitReport {
  type: 'report';
  sent: number;
  echoed: number;
  /** Longest time between two echoes, ms. */
  maxGapMs: number;
  connected: boolean;
  reason: string;
}

/** Runs in the flood tool's child process: connects, reports 'connected', exchanges until 'stop', reports. */
export async function runLegitClient(target: string, rate: number): Promise<void> {
  const [, host, port] = /^(?:udp:\/\/)?(.+):(\d+)$/.exec(target)!;
  const driver = NetworkDriver.create();
  await driver.bind(NetworkEndpoint.parse('127.0.0.1', 0));
  const reliable = driver.createPipeline(ReliableSequencedPipelineStage);
  driver.createPipeline(UnreliableSequencedPipelineStage);
  driver.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage);
  const conn = driver.connect(NetworkEndpoint.parse(host === 'localhost' ? '127.0.0.1' : host, Number(port)));
  const report: LegitReport = { type: 'report', sent: 0, echoed: 0, maxGapMs: 0, connected: false, reason: '' };
  const ev = new NetworkEvent();
  const message = new Uint8Array(32);
  let lastEcho = 0;
  let stopping = false;
  const started = performance.now();
  const loop = new DriverLoop(driver, () => {
    driver.update();
    while (driver.popEvent(ev) !== NetworkEventType.Empty) {
      if (ev.type === NetworkEventType.Connect) { report.connected = true; lastEcho = performance.now(); process.send!({ type: 'connected' }); }
      if (ev.type === NetworkEventType.Data) {
        const now = performance.now();
        report.maxGapMs = Math.max(report.maxGapMs, now - lastEcho);
        lastEcho = now;
        report.echoed++;
      }
      if (ev.type === NetworkEventType.Disconnect) {
        report.connected = false;
        report.reason = disconnectReasonName(ev.disconnectReason ?? DisconnectReason.Default);
      }
    }
    // Sends on schedule, a reliable message with its sequence number in front.
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (report.connected && !stopping && report.sent < due) {
      new DataView(message.buffer).setUint32(0, report.sent);
      if (driver.send(conn, reliable, message) < 0) break;
      report.sent++;
    }
    driver.flush();
  }, { intervalMS: 5 }).start();
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    stopping = true;
    // One second for the last echoes, then report and leave.
    setTimeout(() => {
      loop.stop();
      driver.disconnect(conn);
      driver.update();
      driver.dispose();
      process.send!(report, () => process.exit(0));
    }, 1000);
  });
}
