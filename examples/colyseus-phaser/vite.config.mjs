// The client's build: client/ → dist/ (served by server.mjs). A plain object: Vite needs no import here.
export default { root: 'client', base: './', build: { outDir: '../dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 } };
