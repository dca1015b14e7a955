import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The admin console: a single-page app served by the hub at /console/ (src/console/console-router.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
  },
});
