/**
 * `utp echo --ws … --webrtc` and `utp ping --webrtc`: real WebRTC data channels (node-datachannel on both ends) on
 * 127.0.0.1, signalling on the WebSocket listener's HTTP port. RTTs are printed, never asserted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, runUtp, UtpProcess } from './spawn.ts';

afterEach(killAll);

const SUMMARY = /^rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/;

/** `utp echo --ws 127.0.0.1:0 --webrtc ARGS…` with the port its listening lines name. */
async function startRtcEcho(args: string[] = []): Promise<{ echo: UtpProcess; port: number }> {
  const echo = new UtpProcess(['echo', '--ws', '127.0.0.1:0', '--webrtc', ...args]);
  const ws = await echo.waitFor(/^listening ws:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
  const rtc = await echo.waitFor(/^listening webrtc http:\/\/127\.0\.0\.1:(\d+)\/utp\/rtc \(ICE udp 127\.0\.0\.1:any\)$/, 15_000);
  expect(rtc[1]).toBe(ws[1]); // one HTTP port for both, as UtpTransport
  return { echo, port: Number(ws[1]) };
}

describe('utp echo --webrtc and utp ping --webrtc', () => {
  it('pings over a data channel (reliable, then 3,000-byte fragmented), while WebSocket pings share the port', async () => {
    const { echo, port } = await startRtcEcho();
    const signal = `http://127.0.0.1:${port}/utp/rtc`;
    const rtt = new RegExp(`^32 bytes from ${signal.replace(/[./]/g, '\\$&')}: seq=\\d time=\\d+\\.\\d{3} ms$`);

    const r = await runUtp(['ping', '--webrtc', `http://127.0.0.1:${port}`, '--count', '3', '--interval', '20']);
    expect(r.stderr).toEqual([]);
    expect(r.exit.code).toBe(0);
    expect(r.stdout[0]).toBe(`PING ${signal} over WebRTC: pipeline 1 (reliable), 32 bytes`);
    expect(r.stdout.filter((l) => rtt.test(l))).toHaveLength(3);
    expect(r.stdout).toContain('3 messages sent, 3 received, 0% loss');
    expect(r.stdout.some((l) => SUMMARY.test(l))).toBe(true);

    // A ws:// URL names the same server: signalling on its HTTP port. 3,000 bytes need three packets of ≤ 1,150.
    const big = await runUtp(['ping', '--webrtc', `ws://127.0.0.1:${port}`, '--count', '2', '--interval', '20', '--pipeline', 'fragmented', '--size', '3000']);
    expect(big.exit.code).toBe(0);
    expect(big.stdout).toContain('2 messages sent, 2 received, 0% loss');

    const ws = await runUtp(['ping', `ws://127.0.0.1:${port}`, '--count', '1']);
    expect(ws.exit.code).toBe(0);
    expect(ws.stdout).toContain('1 messages sent, 1 received, 0% loss');

    // Each ping was one connection on its own carrier, connected and gone.
    await echo.waitFor(/^disconnect ws:\/\//);
    expect(echo.count(/^connect webrtc:\/\/127\.0\.0\.1:\d+ \(connection \d+\)$/)).toBe(2);
    expect(echo.count(/^disconnect webrtc:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/)).toBe(2);
    expect(echo.count(/^connect ws:\/\//)).toBe(1);
    echo.kill('SIGTERM');
    expect((await echo.exited).code).toBe(0);
    expect(echo.stdout).toContain('echoed 6 message(s)');
  }, 60_000);

  it('a stopped echo server disconnects a WebRTC ping that runs until Ctrl-C', async () => {
    const { echo, port } = await startRtcEcho();
    const ping = new UtpProcess(['ping', '--webrtc', `http://127.0.0.1:${port}`, '--count', '0', '--interval', '50']);
    await ping.waitFor(/seq=2 /);
    echo.kill('SIGTERM');
    expect((await echo.exited).code).toBe(0);
    expect(echo.stdout).toContain('stopping (SIGTERM): disconnecting 1 connection(s)');
    const exit = await ping.exited;
    expect(exit.code).toBe(1);
    expect(ping.stderr).toEqual([`utp ping: http://127.0.0.1:${port}/utp/rtc disconnected: ClosedByRemote`]);
  }, 60_000);

  it('against a server without WebRTC, ping --webrtc fails with the signalling answer and exit code 1', async () => {
    const echo = new UtpProcess(['echo', '--ws', '127.0.0.1:0']);
    const port = Number((await echo.waitFor(/^listening ws:\/\/127\.0\.0\.1:(\d+)$/, 15_000))[1]);
    const r = await runUtp(['ping', '--webrtc', `http://127.0.0.1:${port}`, '--count', '1']);
    expect(r.exit.code).toBe(1);
    expect(r.stderr).toEqual([`utp ping: cannot open WebRTC to http://127.0.0.1:${port}/utp/rtc: signalling failed: http://127.0.0.1:${port}/utp/rtc answered 426`]);
    expect(echo.count(/^connect /)).toBe(0);
  }, 30_000);

  it('usage errors exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['echo', '--udp', '127.0.0.1:0', '--webrtc'], /--webrtc answers signalling on the WebSocket listener's port: give --ws/],
      [['echo', '--ws', '127.0.0.1:0', '--ice-port', '7000'], /--ice-port and --ice-address are for --webrtc/],
      [['echo', '--ws', '127.0.0.1:0', '--webrtc', '--ice-port', '70000'], /--ice-port must be an integer in 0\.\.65535/],
      [['ping', '--webrtc', 'udp://127.0.0.1:7777'], /--webrtc: expected http\(s\):\/\/HOST:PORT/],
      [['ping', '--webrtc', '--insecure', 'https://127.0.0.1:7777'], /--insecure is for dtls:\/\/ and wss:\/\/: an https:\/\/ signalling URL needs a certificate Node trusts/],
    ];
    for (const [args, message] of cases) {
      const r = await runUtp(args);
      expect(r.exit.code, args.join(' ')).toBe(2);
      expect(r.stderr[0], args.join(' ')).toMatch(message);
    }
  }, 60_000);
});
