import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { API_PREFIXES } from './src/lib/api/paths';

/** Where `vite dev` sends API requests; the Vigil server's default port unless told otherwise. */
const devApi = process.env.VIGIL_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ precompress: false }),
      // The app's stylesheets are a few kB: inlined, the first paint waits for no request but
      // the page's own (the overview with a thousand devices paints within its target).
      inlineStyleThreshold: 16_384,
    }),
  ],
  server: {
    // Every API path, so sign-in (/auth/login) works under `vite dev` as well as /trpc.
    proxy: Object.fromEntries(
      API_PREFIXES.map((prefix) => [prefix, { target: devApi, changeOrigin: true }]),
    ),
  },
});
