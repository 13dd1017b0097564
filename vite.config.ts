import { defineConfig } from 'vitest/config';

// Vitest configuration now; the sample game's build joins it later.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Integration tests bind real sockets; keep workers few on 2-core machines.
    maxWorkers: 2,
  },
});
