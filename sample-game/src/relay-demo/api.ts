// The relay's allocation API (shaped like Unity's Relay allocations API): allocate, get a join code, join by
// code. `npm start` serves it under the game's HTTP server at /relay/v1/ (server/relay.ts).
import type { RelayAllocationJson } from '../../../plugin/relay/index.ts';

export class RelayApi {
  /** Base URL ending in `/`, e.g. `http://localhost:2567/relay/v1/`. */
  readonly base: string;

  constructor(base: string) {
    this.base = base.endsWith('/') ? base : `${base}/`;
  }

  /** A host allocation for `maxConnections` joiners. */
  async allocate(maxConnections: number): Promise<RelayAllocationJson> {
    return (await this.#post('allocate', { maxConnections }) as { allocation: RelayAllocationJson }).allocation;
  }

  /** The join code of a host allocation. */
  async joinCode(allocationId: string): Promise<string> {
    return (await this.#post('joincode', { allocationId }) as { joinCode: string }).joinCode;
  }

  /** A join allocation for `code`; rejects with a readable message for an unknown or expired code. */
  async join(code: string): Promise<RelayAllocationJson> {
    return (await this.#post('join', { joinCode: code }) as { allocation: RelayAllocationJson }).allocation;
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
    } catch {
      throw new Error('The relay is not reachable (is the server running?)');
    }
    const json = await res.json().catch(() => null) as { data?: unknown; detail?: string } | null;
    if (path === 'join' && res.status === 404) throw new Error('No game with that code: it ended, or the code is wrong.');
    if (!res.ok || !json?.data) throw new Error(`The relay said: ${json?.detail ?? `HTTP ${res.status}`}`);
    return json.data;
  }
}
