import { rm } from 'node:fs/promises';
import type { Core } from '@strapi/strapi';

/**
 * strapi::body removes the parser's temporary files only when the request succeeds; a refused
 * upload (an error thrown by a controller) would leave its temporary file behind. This runs
 * around strapi::body and removes whatever is left, whatever the outcome.
 */
const collect = (files: unknown): string[] => {
  if (!files || typeof files !== 'object') return [];
  const out: string[] = [];
  for (const value of Object.values(files as Record<string, unknown>)) {
    for (const f of Array.isArray(value) ? value : [value]) {
      const p = (f as { filepath?: unknown })?.filepath;
      if (typeof p === 'string') out.push(p);
    }
  }
  return out;
};

export default (_config: unknown, _ctx: { strapi: Core.Strapi }) => {
  return async (ctx: any, next: () => Promise<void>) => {
    try {
      await next();
    } finally {
      const paths = collect(ctx.request?.files);
      if (paths.length) await Promise.all(paths.map((p) => rm(p, { force: true })));
    }
  };
};
