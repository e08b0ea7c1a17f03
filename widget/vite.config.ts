import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// One IIFE file (dist/widget.js) with its CSS injected by the components themselves, so a site
// adds a single <script> tag. Svelte appends injected styles to the root node of the mount
// target, which is our shadow root: the host page's CSS and ours never meet.
export default defineConfig({
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
    projects: [
      // the screens and the state, in jsdom with Svelte's testing plugin (browser conditions)
      { extends: true, test: { name: 'components', environment: 'jsdom', include: ['tests/**/*.test.ts'], exclude: ['tests/io-lite.test.ts'] } },
      // the Socket.IO client against a real socket.io server: plain Node, Node's own packages
      { test: { name: 'protocol', environment: 'node', include: ['tests/io-lite.test.ts'] } },
    ],
  },
});
