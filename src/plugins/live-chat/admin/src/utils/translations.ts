import { PLUGIN_ID } from '../pluginId';

/** Message ids are prefixed with the plugin's id by registerTrads. */
export const t = (id: string) => `${PLUGIN_ID}.${id}`;
