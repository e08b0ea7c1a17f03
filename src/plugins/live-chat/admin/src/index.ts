import { Message } from '@strapi/icons';
import { PLUGIN_ID } from './pluginId';
import { PERMISSIONS } from './utils/backend';

/** The agent console: one menu link, pages lazily loaded, translations in en and pt-BR. */
export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Message,
      intlLabel: { id: `${PLUGIN_ID}.menu.label`, defaultMessage: 'Live chat' },
      Component: () => import('./pages/App'),
      permissions: [...PERMISSIONS.console, ...PERMISSIONS.history, ...PERMISSIONS.analytics, ...PERMISSIONS.settings],
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Live chat' });
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = await import(`./translations/${locale}.json`);
          const prefixed = Object.fromEntries(Object.entries(data as Record<string, string>).map(([k, v]) => [`${PLUGIN_ID}.${k}`, v]));
          return { data: prefixed, locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};
