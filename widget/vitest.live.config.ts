import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vite.config';

// `npm run test:live`: the checks against a running server, kept out of `npm test`.
export default mergeConfig(base, defineConfig({ test: { include: ['tests/live/**/*.live.ts'] } }));
