import type { Core } from '@strapi/strapi';
import config from './config';
import contentTypes from './content-types';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { attachRealtime, type Realtime } from './realtime';
import { getService, PLUGIN_ID } from './utils';

/** The plugin's RBAC actions, shown in Strapi's roles editor. */
const ACTIONS = [
  { uid: 'console', displayName: 'Use the agent console (queue and conversations)' },
  { uid: 'history', displayName: 'Read the chat history' },
  { uid: 'analytics', displayName: 'Read the analytics' },
  { uid: 'settings', displayName: 'Change the live-chat settings' },
].map((a) => ({ ...a, section: 'plugins', pluginName: PLUGIN_ID }));

let realtime: Realtime | null = null;

export default {
  config,
  contentTypes,
  controllers,
  routes,
  services,

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await (strapi as any).admin.services.permission.actionProvider.registerMany(ACTIONS);
    realtime = await attachRealtime(strapi);
    getService(strapi, 'sweeper').start();
  },

  async destroy({ strapi }: { strapi: Core.Strapi }) {
    await getService(strapi, 'sweeper').stop();
    await realtime?.close();
    realtime = null;
  },
};
