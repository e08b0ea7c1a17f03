import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// One IIFE file (dist/widget.js) with its CSS injected by the components themselves, so a site
// adds a single <script> tag. Svelte appends injected styles to the root node of the mount
// target, which is our shadow root: the host page's CSS and ours never meet.
export default defineConfig({
  // `npm run size` builds once more without socket.io-client to see what the rest weighs.
  resolve: process.env.WIDGET_STUB_IO ? { alias: { 'socket.io-client': new URL('./scripts/stub-io.ts', import.meta.url).pathname } } : {},
  plugins: [svelte({ compilerOptions: { css: 'injected' } }), svelteTesting()],
  build: {
    target: 'es2022',
    lib: {
      entry: 'src/embed.ts',
      name: 'LiveChat',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
});
