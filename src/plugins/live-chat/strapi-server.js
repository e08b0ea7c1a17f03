'use strict';
/**
 * Strapi loads a plugin's server entry as JavaScript only. The plugin's source is TypeScript and
 * has no build step of its own: esbuild-register transpiles it on require. Under jest, ts-jest
 * already transforms TypeScript, so the hook is not installed there.
 */
let unregister = () => {};
if (!process.env.JEST_WORKER_ID) {
  ({ unregister } = require('esbuild-register/dist/node').register({ target: 'node20', format: 'cjs' }));
}
try {
  const mod = require('./server/src/index.ts');
  module.exports = mod.default || mod;
} finally {
  unregister();
}
