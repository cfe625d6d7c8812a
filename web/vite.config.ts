import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The Go server (`parley`) listens on :8080 by default; in development Vite
// serves the client and forwards API and health requests to it.
const apiTarget = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    // embed.go embeds dist/ and serves dist/app; dist/README.md stays.
    outDir: 'dist/app',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true },
      '/healthz': { target: apiTarget },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // The first test of a file that opens the emoji picker imports it and
    // draws its 1,133 cells in jsdom: 2.6 s alone, past the default 5 s on two
    // busy cores (CI). Assertions keep their own waits.
    testTimeout: 15_000,
  },
});
