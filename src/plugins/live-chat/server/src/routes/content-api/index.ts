/**
 * The widget's public API: /api/live-chat/... . No Strapi auth (visitors have no account); the
 * chat token protects everything after the start, over Socket.IO.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/widget-config', handler: 'widget.config', config: { auth: false } },
    { method: 'POST', path: '/chats', handler: 'widget.start', config: { auth: false } },
    // after the closing (post-closing window): the chat token in Authorization: Bearer
    { method: 'POST', path: '/chats/:id/rating', handler: 'visitor.rate', config: { auth: false } },
    { method: 'POST', path: '/chats/:id/transcript', handler: 'visitor.transcript', config: { auth: false } },
    // files: the chat token or an agent's admin token in Authorization: Bearer
    { method: 'POST', path: '/chats/:id/files', handler: 'files.upload', config: { auth: false } },
    { method: 'GET', path: '/chats/:id/attachments/:attachmentId', handler: 'files.url', config: { auth: false } },
  ],
};
