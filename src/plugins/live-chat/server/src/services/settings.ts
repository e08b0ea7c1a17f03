import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from '../utils';

/** What an admin can change; the plugin's config (config/plugins.ts, env) gives the defaults. */
export interface LiveChatSettings {
  gracePeriodSeconds: number;
  waitingLimitSeconds: number;
  /** concurrent active chats per agent; 0 = no limit */
  agentCap: number;
  postCloseWindowSeconds: number;
}

const KEYS: (keyof LiveChatSettings)[] = ['gracePeriodSeconds', 'waitingLimitSeconds', 'agentCap', 'postCloseWindowSeconds'];

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

const createSettingsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID, key: 'settings' });
  let cache: { value: LiveChatSettings; at: number } | null = null;

  const defaults = (): LiveChatSettings => {
    const cfg = (k: keyof LiveChatSettings) => strapi.plugin(PLUGIN_ID).config(k) as number;
    return Object.fromEntries(KEYS.map((k) => [k, cfg(k)])) as unknown as LiveChatSettings;
  };

  return {
    /** Cached for a second: read on every accept and every sweep, changed rarely. */
    async get(): Promise<LiveChatSettings> {
      if (cache && Date.now() - cache.at < 1000) return cache.value;
      const stored = ((await store().get({})) ?? {}) as Partial<LiveChatSettings>;
      const value = { ...defaults() };
      for (const k of KEYS) if (positiveInt(stored[k])) value[k] = stored[k] as number;
      cache = { value, at: Date.now() };
      return value;
    },
    async set(patch: Partial<LiveChatSettings>): Promise<LiveChatSettings> {
      const current = ((await store().get({})) ?? {}) as Partial<LiveChatSettings>;
      const next = { ...current };
      for (const k of KEYS) if (positiveInt(patch[k])) next[k] = patch[k] as number;
      await store().set({ value: next });
      cache = null;
      return this.get();
    },
    cap(settings: LiveChatSettings): number | null {
      return settings.agentCap > 0 ? settings.agentCap : null;
    },
  };
};

export type SettingsService = ReturnType<typeof createSettingsService>;
export default createSettingsService;
