import { defineConfig } from 'vitest/config';

// Vitest configuration (the sample game builds with sample-game/vite.config.ts, the browser library with
// vite.browser.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/every-case-asserts.ts'],
    testTimeout: 30_000,
    // Integration tests bind real sockets; keep workers few on 2-core machines.
    maxWorkers: 2,
  },
});
