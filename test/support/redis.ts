// A real Redis for the multi-process tests (`RedisServer` of utp-ts/colyseus/testing: Debian's redis-server on
// 127.0.0.1, a free port, no persistence). `.ci/run` installs it and sets UTP_REQUIRE_REDIS=1.
import { it } from 'vitest';
import { redisServerMissing } from '../../plugin/colyseus/testing/index.ts';

export { RedisServer } from '../../plugin/colyseus/testing/index.ts';

const required = process.env.UTP_REQUIRE_REDIS === '1';

/**
 * True when the Redis tests can run. Otherwise registers one test that fails (with UTP_REQUIRE_REDIS=1, as in CI)
 * or is reported as skipped with the reason, loudly, and returns false.
 */
export function requireRedis(what: string): boolean {
  const why = redisServerMissing();
  if (!why) return true;
  if (required) {
    it(`has redis-server for ${what}, as UTP_REQUIRE_REDIS=1 demands`, () => { throw new Error(`UTP_REQUIRE_REDIS=1 but ${why}`); });
    return false;
  }
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! SKIPPING ${what}: ${why}.\n!! Set UTP_REQUIRE_REDIS=1 to make this a failure.\n${bar}\n\n`);
  it.skip(`SKIPPED: ${why}`, () => {});
  return false;
}
