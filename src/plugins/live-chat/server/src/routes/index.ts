import contentApi from './content-api';
import admin from './admin';
import analytics from './admin/analytics';

/** Every admin route refuses text that is not valid Unicode in its body or query, before its
 * handler (middlewares/valid-text.ts): one guard for all of them, including routes added later. */
const validText = <R extends { type: string; routes: { config?: Record<string, any> }[] }>(router: R): R => ({
  ...router,
  routes: router.routes.map((route) => ({
    ...route,
    config: { ...route.config, middlewares: [...(route.config?.middlewares ?? []), 'plugin::live-chat.valid-text'] },
  })),
});

export default {
  'content-api': contentApi,
  admin: validText(admin),
  // a second admin router: the analytics endpoints (issue 8)
  analytics: validText(analytics),
};
