/**
 * The agent console's REST API (admin API: /live-chat/... with the admin session). Each route
 * requires one of the plugin's RBAC actions, as shown in Strapi's roles editor.
 */
const can = (action: 'console' | 'history' | 'settings') => ({
  policies: [{ name: 'admin::hasPermissions', config: { actions: [`plugin::live-chat.${action}`] } }],
});

export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/left-messages', handler: 'console.leftMessages', config: can('console') },
    { method: 'POST', path: '/chats/:id/reply', handler: 'console.reply', config: can('console') },
    { method: 'GET', path: '/chats/:id/earlier', handler: 'console.earlier', config: can('console') },
    { method: 'GET', path: '/canned-responses', handler: 'console.canned', config: can('console') },
    { method: 'GET', path: '/directory', handler: 'console.directory', config: can('console') },
    { method: 'GET', path: '/history', handler: 'console.history', config: can('history') },
    { method: 'GET', path: '/history/:id', handler: 'console.transcript', config: can('history') },
    { method: 'GET', path: '/settings', handler: 'console.readSettings', config: can('settings') },
    { method: 'PUT', path: '/settings', handler: 'console.writeSettings', config: can('settings') },
    { method: 'PUT', path: '/departments/:id', handler: 'console.updateDepartment', config: can('settings') },
  ],
};
