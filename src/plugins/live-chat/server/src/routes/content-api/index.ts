/**
 * The widget's public API: /api/live-chat/... . No Strapi auth (visitors have no account); the
 * chat token protects everything after the start, over Socket.IO.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/widget-config', handler: 'widget.config', config: { auth: false } },
    { method: 'POST', path: '/chats', handler: 'widget.start', config: { auth: false } },
  ],
};
