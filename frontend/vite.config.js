import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the SPA on :5173 and proxies the API (and the admin) to the Django server that
// `make run` starts on :8000, so front-end work needs no CORS set-up.
const apiOrigin = process.env.VITE_API_ORIGIN || 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      '/api': { target: apiOrigin, changeOrigin: false },
      '/admin': { target: apiOrigin, changeOrigin: false },
      '/static': { target: apiOrigin, changeOrigin: false },
    },
  },
  build: { outDir: 'dist', sourcemap: false, manifest: true },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test-setup.js'],
    include: ['src/**/*.test.{js,jsx}'],
  },
});
