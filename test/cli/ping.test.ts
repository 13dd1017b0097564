/**
 * `utp ping` against a raw server built only from the spec (raw-peer.ts), and against `utp echo`.
 * Real UDP on 127.0.0.1. RTTs are printed, never asserted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ascii, closeRawPeers, concat, data, disconnect, hex, isHandshake, isMessage, Msg, RawUdpPeer, type Datagram } from './raw-peer.ts';
import { killAll, runUtp, startEcho } from './spawn.ts';

afterEach(async () => {
  closeRawPeers();
  await killAll();
});

const RTT_LINE = /^\d+ bytes from udp:\/\/127\.0\.0\.1:\d+: seq=\d+ time=\d+\.\d{3} ms$/;
const SUMMARY = /^rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/;

describe('utp ping against a raw spec-built server', () => {
  it('retries the request, takes a Data message as implicit accept (§3.5), pings on pipeline 0, disconnects', async () => {
    const server = await RawUdpPeer.open();
    const connectTimeout = 100;
    const requests: Datagram[] = [];
    const echoed: string[] = [];
    let disconnected: Uint8Array | null = null;
    server.onDatagram = (d) => {
      const b = d.bytes;
      if (isHandshake(b, 1)) {
        requests.push(d);
        // Ignore the first two requests; answer the third with data instead of an accept.
        if (requests.length === 3) server.send(data(b.subarray(5, 13), 0, ascii('implicit')), d.port);
        return;
      }
      if (b.length >= 10 && b[0] === Msg.Data && b[9] === 0) {
        echoed.push(hex(b));
        server.send(b, d.port); // echo the whole datagram: same token, pipeline 0, payload
      } else if (b.length === 9 && b[0] === Msg.Disconnect) {
        disconnected = b;
      }
    };

    const r = await runUtp([
      'ping', `udp://127.0.0.1:${server.port}`, '--count', '3', '--pipeline', '0', '--interval', '20',
      '--connect-timeout', String(connectTimeout),
    ]);

    expect(r.stderr).toEqual([]);
    expect(r.exit.code).toBe(0);
    expect(r.stdout.filter((l) => RTT_LINE.test(l))).toHaveLength(3);
    expect(r.stdout.some((l) => SUMMARY.test(l))).toBe(true);
    expect(r.stdout).toContain('3 messages sent, 3 received, 0% loss, 1 other message(s) ignored');

    // Three requests (TV-1 form), one token, retried only after the connect timeout (lower bound only).
    expect(requests).toHaveLength(3);
    const tok = requests[0].bytes.subarray(5, 13);
    for (const q of requests) expect(hex(q.bytes)).toBe(hex(concat([0x55, 0x54, 0x50, 0x01, 0x01], tok)));
    expect(requests[1].at - requests[0].at).toBeGreaterThan(connectTimeout / 2);
    expect(requests[2].at - requests[1].at).toBeGreaterThan(connectTimeout / 2);

    // Three pipeline-0 messages with our token; then one Disconnect (TV-6 form).
    expect(echoed).toHaveLength(3);
    for (const e of echoed) expect(e.startsWith(hex(concat([0x01], tok, [0x00])))).toBe(true);
    expect(disconnected && hex(disconnected)).toBe(hex(disconnect(tok)));
  });

  it('fails with one clear line and exit code 1 when nobody answers', async () => {
    const silent = await RawUdpPeer.open();
    const r = await runUtp(['ping', `127.0.0.1:${silent.port}`, '--connect-timeout', '50', '--max-attempts', '3']);
    expect(r.exit.code).toBe(1);
    expect(r.stderr).toEqual([`utp ping: no answer from udp://127.0.0.1:${silent.port} after 3 connection attempts`]);
    expect(silent.log.filter((d) => isHandshake(d.bytes, 1))).toHaveLength(3);
  });

  it('reports a Disconnect from the server as "disconnected: ClosedByRemote" with exit code 1', async () => {
    const server = await RawUdpPeer.open();
    server.onDatagram = (d) => {
      if (!isHandshake(d.bytes, 1)) return;
      const tok = d.bytes.subarray(5, 13);
      server.send(concat([0x55, 0x54, 0x50, 0x01, 0x02], tok), d.port); // accept (TV-3 form)
      server.send(disconnect(tok), d.port); // and close at once
    };
    const r = await runUtp(['ping', `udp://127.0.0.1:${server.port}`, '--count', '3', '--pipeline', '0']);
    expect(r.exit.code).toBe(1);
    expect(r.stderr).toEqual([`utp ping: udp://127.0.0.1:${server.port} disconnected: ClosedByRemote`]);
  });

  it('fails with exit code 1 when the server accepts but never echoes', async () => {
    const server = await RawUdpPeer.open();
    server.onDatagram = (d) => {
      if (isHandshake(d.bytes, 1)) server.send(concat([0x55, 0x54, 0x50, 0x01, 0x02], d.bytes.subarray(5, 13)), d.port);
    };
    const r = await runUtp(['ping', `127.0.0.1:${server.port}`, '--count', '2', '--interval', '10', '--timeout', '200', '--pipeline', '0']);
    expect(r.exit.code).toBe(1);
    expect(r.stdout).toContain('2 messages sent, 0 received, 100% loss');
    expect(r.stderr).toEqual([`utp ping: no echo from udp://127.0.0.1:${server.port} (2 message(s) sent on pipeline 0 (no stages))`]);
    // The ping still said goodbye.
    expect(server.log.some((d) => isMessage(d.bytes, Msg.Disconnect, d.bytes.subarray(1, 9)) && d.bytes.length === 9)).toBe(true);
  });
});

describe('utp ping against utp echo', () => {
  for (const [pipeline, size] of [['reliable', '64'], ['unreliable', '64'], ['fragmented', '3000'], ['0', '12']]) {
    it(`--pipeline ${pipeline} --size ${size}`, async () => {
      const { echo, port } = await startEcho();
      const r = await runUtp(['ping', `udp://127.0.0.1:${port}`, '--count', '3', '--interval', '20', '--pipeline', pipeline, '--size', size]);
      expect(r.stderr).toEqual([]);
      expect(r.exit.code).toBe(0);
      expect(r.stdout.filter((l) => RTT_LINE.test(l))).toHaveLength(3);
      expect(r.stdout).toContain('3 messages sent, 3 received, 0% loss');
      await echo.waitFor(/^disconnect .*: ClosedByRemote$/);
    });
  }
});

describe('utp ping: command line', () => {
  it('usage errors exit 2 with a hint', async () => {
    for (const args of [['ping'], ['ping', '127.0.0.1:9', '--size', '4'], ['ping', '127.0.0.1:9', '--pipeline', 'nope'], ['ping', '127.0.0.1:9', '--count', 'x']]) {
      const r = await runUtp(args);
      expect(r.exit.code, args.join(' ')).toBe(2);
      expect(r.stderr.at(-1)).toBe("Try 'utp ping --help'.");
    }
  });

  it('refuses a message larger than the pipeline allows', async () => {
    const r = await runUtp(['ping', '127.0.0.1:9', '--pipeline', 'reliable', '--size', '2000']);
    expect(r.exit.code).toBe(2);
    expect(r.stderr[0]).toBe('utp ping: --size 2000 exceeds the 1378-byte message limit of pipeline 1');
  });
});

describe('utp', () => {
  it('--help lists the commands and exit codes; unknown commands exit 2', async () => {
    const help = await runUtp(['--help']);
    expect(help.exit.code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/echo[\s\S]*ping[\s\S]*Exit codes/);
    for (const cmd of ['echo', 'ping']) {
      const sub = await runUtp([cmd, '--help']);
      expect(sub.exit.code).toBe(0);
      expect(sub.stdout[0]).toMatch(new RegExp(`^Usage: utp ${cmd}`));
    }
    const bad = await runUtp(['frobnicate']);
    expect(bad.exit.code).toBe(2);
    expect(bad.stderr[0]).toBe("utp: unknown command 'frobnicate'");
  });
});

describe('utp ping with custom pipeline lists', () => {
  it('--pipelines none on both sides: ping uses pipeline 0 by default', async () => {
    const { port } = await startEcho(['--pipelines', 'none']);
    const r = await runUtp(['ping', `127.0.0.1:${port}`, '--count', '2', '--interval', '10', '--pipelines', 'none']);
    expect(r.exit.code).toBe(0);
    expect(r.stdout[0]).toMatch(/: pipeline 0 \(no stages\), 32 bytes$/);
    expect(r.stdout.filter((l) => RTT_LINE.test(l))).toHaveLength(2);
  });

  it('against a server that created no pipelines, the default (reliable) gets no echo: the error names it and suggests --pipeline 0', async () => {
    const { echo, port } = await startEcho(['--pipelines', 'none']);
    const r = await runUtp(['ping', `127.0.0.1:${port}`, '--count', '2', '--interval', '10', '--timeout', '300']);
    expect(r.exit.code).toBe(1);
    expect(r.stdout[0]).toMatch(/: pipeline 1 \(reliable\), 32 bytes$/);
    expect(r.stdout).toContain('2 messages sent, 0 received, 100% loss');
    expect(r.stderr).toEqual([`utp ping: no echo from udp://127.0.0.1:${port} (2 message(s) sent on pipeline 1 (reliable)); `
      + 'a server that did not create pipeline 1 drops them: try --pipeline 0']);
    // The suggestion works against the same server.
    await echo.waitFor(/^disconnect .*: ClosedByRemote$/);
    const again = await runUtp(['ping', `127.0.0.1:${port}`, '--count', '2', '--interval', '10', '--pipeline', '0']);
    expect(again.exit.code).toBe(0);
    expect(again.stdout).toContain('2 messages sent, 2 received, 0% loss');
  });

  it('a simulator stage on one side only is wire-compatible (it has no header, spec §5.5)', async () => {
    const { port } = await startEcho(['--pipelines', 'reliable']);
    const r = await runUtp([
      'ping', `127.0.0.1:${port}`, '--count', '3', '--interval', '10', '--pipelines', 'reliable+simulator',
      '--simulator', 'delay=5,seed=1',
    ]);
    expect(r.exit.code).toBe(0);
    expect(r.stdout[0]).toMatch(/: pipeline 1 \(reliable\+simulator\), 32 bytes$/);
    expect(r.stdout).toContain('3 messages sent, 3 received, 0% loss');
  });
});
