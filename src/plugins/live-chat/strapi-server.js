'use strict';
/**
 * Strapi loads a plugin's server entry as JavaScript only. The plugin's source is TypeScript and
 * has no build step of its own: esbuild-register transpiles it on require. Inside jest's module
 * registry (where `jest` is defined) ts-jest already transforms TypeScript, so the hook is not
 * installed there; a child process started by a test (which inherits JEST_* variables) still is.
 */
let unregister = () => {};
// eslint-disable-next-line no-undef
if (typeof jest === 'undefined') {
  ({ unregister } = require('esbuild-register/dist/node').register({ target: 'node20', format: 'cjs' }));
}
try {
  const mod = require('./server/src/index.ts');
  module.exports = mod.default || mod;
} finally {
  unregister();
}
