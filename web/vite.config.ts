import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The UI is built into web/dist and served by the API at `/` (`npm run build`, or on start when missing).
 * `npm run dev:web` serves it with hot reload and forwards the API to a running `faceflow all` on port 3000.
 */
const api = process.env.FACEFLOW_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      // The Host stays the dev server's, as the page's Origin is: the API accepts a cookie-authenticated
      // write only from its own origin (the Host it was reached by).
      '/api': { target: api },
      '/docs': { target: api },
      '/openapi.json': { target: api },
    },
  },
});
