import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// Browser library build of the transport (`npm run build:browser` → dist/browser/utp.js, ESM). The Vitest
// configuration stays in vite.config.ts.

const udp = fileURLToPath(new URL('./plugin/transport/carriers/udp.ts', import.meta.url));
const udpBrowser = fileURLToPath(new URL('./plugin/transport/carriers/udp.browser.ts', import.meta.url));

/** Swaps the UDP interface (node:dgram, node:dns) for its browser stub. Also used by the sample game's build. */
export function browserStubs(): Plugin {
  return {
    name: 'utp-browser-stubs',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === udp ? udpBrowser : null;
    },
  };
}

export default defineConfig({
  plugins: [browserStubs()],
  build: {
    outDir: 'dist/browser',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: fileURLToPath(new URL('./plugin/transport/browser.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'utp.js',
    },
    // Node 20's fallback client (`ws`) is imported at run time only where no global WebSocket exists.
    rolldownOptions: { external: ['ws'] },
  },
});
