import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// The package's browser build (`npm run build:browser`, part of `npm run build`): every browser-safe entry point,
// module for module under dist/browser/, with the UDP interface swapped for its stub. package.json's `browser`
// export condition points bundlers here, so a page importing `utp-ts` reaches no Node built-in. The Vitest
// configuration stays in vite.config.ts.

const local = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** Node modules and their browser stand-ins. */
const swaps = new Map([
  [local('./plugin/transport/carriers/udp.ts'), local('./plugin/transport/carriers/udp.browser.ts')],
  [local('./plugin/transport/layers/dtls-factory.ts'), local('./plugin/transport/layers/dtls-factory.browser.ts')],
]);
const plugin = fileURLToPath(new URL('./plugin/', import.meta.url));

/** Swaps the UDP interface (node:dgram, node:dns) and the DTLS layer for browser stubs. Also used by the sample game's build. */
export function browserStubs(): Plugin {
  return {
    name: 'utp-browser-stubs',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return (resolved && swaps.get(resolved.id)) ?? null;
    },
  };
}

/** Fails the build when a module imports a Node built-in: in a browser entry that is a bug, not a warning. */
function noNodeBuiltins(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'utp-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source.startsWith('node:') || builtins.has(source.split('/')[0])) {
        this.error(`${importer ?? 'an entry'} imports the Node built-in '${source}', which browsers do not have`);
      }
      return null;
    },
  };
}

/**
 * The browser-safe entry points: output name (under dist/browser/, without `.js`) → source. package.json's
 * `exports` gives each of them a `browser` condition; the Node-only ones (`/transport/node`, `/relay/node`,
 * `/colyseus/server`) have none.
 */
export const browserEntries: Record<string, string> = Object.fromEntries(
  ['index', 'transport/index', 'relay/index', 'phaser/index', 'colyseus/index', 'colyseus/phaser']
    .map((name) => [name, `${plugin}${name}.ts`]),
);

/** Peer dependencies and the Node-only `ws` fallback stay imports for the application's bundler. */
const external = (id: string): boolean => /^(ws|phaser|@colyseus\/[^/]+)(\/|$)/.test(id);

export default defineConfig({
  plugins: [browserStubs(), noNodeBuiltins()],
  build: {
    outDir: 'dist/browser',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: { entry: browserEntries, formats: ['es'] },
    rolldownOptions: {
      external,
      // One output module per source module, as tsc's dist/plugin, so stack traces and source maps read the same.
      output: { preserveModules: true, preserveModulesRoot: plugin, entryFileNames: '[name].js' },
    },
  },
});
