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
      '/api': { target: api, changeOrigin: true },
      '/docs': { target: api },
      '/openapi.json': { target: api },
    },
  },
});
