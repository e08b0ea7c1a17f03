import type { Core } from '@strapi/strapi';
import { assertFilesAllowed } from '../upload/guard';

/**
 * The single gate for every multipart upload, whatever the route (the upload plugin's content
 * API and admin, the live-chat plugin): runs right after strapi::body has parsed the files and
 * before any controller, so that a refusal always carries our actionable message (the limit, the
 * allowed types) and the right status (413, 415, 400).
 */
export default (_config: unknown, _ctx: { strapi: Core.Strapi }) => {
  return async (ctx: any, next: () => Promise<void>) => {
    const files = ctx.request?.files;
    if (files && typeof files === 'object') {
      for (const value of Object.values(files as Record<string, unknown>)) {
        await assertFilesAllowed(value as any);
      }
    }
    await next();
  };
};
