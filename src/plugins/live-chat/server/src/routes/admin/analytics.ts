/**
 * The analytics API (admin API: /live-chat/analytics/... with the admin session), every route
 * behind the plugin's "Read the analytics" action; and the privacy erasure (settings action). Contract: shared/analytics.ts; docs/analytics.md.
 */
const analytics = {
  policies: [{ name: 'admin::hasPermissions', config: { actions: ['plugin::live-chat.analytics'] } }],
};

/** erasing a visitor's data is an admin's act: the settings action */
const settings = {
  policies: [{ name: 'admin::hasPermissions', config: { actions: ['plugin::live-chat.settings'] } }],
};

export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/analytics/volume', handler: 'analytics.volume', config: analytics },
    { method: 'GET', path: '/analytics/service', handler: 'analytics.service', config: analytics },
    { method: 'GET', path: '/analytics/hours', handler: 'analytics.hours', config: analytics },
    { method: 'GET', path: '/analytics/agents', handler: 'analytics.agents', config: analytics },
    { method: 'GET', path: '/analytics/demands', handler: 'analytics.demands', config: analytics },
    { method: 'GET', path: '/analytics/demands/chats', handler: 'analytics.demandChats', config: analytics },
    { method: 'POST', path: '/analytics/demands/send', handler: 'analytics.send', config: analytics },
    { method: 'GET', path: '/analytics/satisfaction', handler: 'analytics.satisfaction', config: analytics },
    { method: 'GET', path: '/analytics/export/:table', handler: 'analytics.exportCsv', config: analytics },
    // privacy: everything stored of one visitor's e-mail, deleted on request
    { method: 'POST', path: '/privacy/erase', handler: 'privacy.erase', config: settings },
  ],
};
