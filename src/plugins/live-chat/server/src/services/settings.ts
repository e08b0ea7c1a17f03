import type { Core } from '@strapi/strapi';
import { LIMITS } from '../../../shared/contract';
import { PLUGIN_ID } from '../utils';

/** What an admin can change; the plugin's config (config/plugins.ts, env) gives the defaults. */
export interface LiveChatSettings {
  gracePeriodSeconds: number;
  /** waiting time before the visitor is offered to leave a message (0 = never offered) */
  waitingLimitSeconds: number;
  /** concurrent active chats per agent; 0 = no limit */
  agentCap: number;
  postCloseWindowSeconds: number;
  /** an active chat silent on both sides this long is closed as idle; 0 = never */
  idleSeconds: number;
  /** shown on the widget's start form */
  privacyNotice: string;
}

type NumericKey = Exclude<keyof LiveChatSettings, 'privacyNotice'>;
const NUMERIC_KEYS: NumericKey[] = ['gracePeriodSeconds', 'waitingLimitSeconds', 'agentCap', 'postCloseWindowSeconds', 'idleSeconds'];

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const validNotice = (v: unknown): v is string => typeof v === 'string' && v.length <= LIMITS.privacyNotice;

const createSettingsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID, key: 'settings' });
  let cache: { value: LiveChatSettings; at: number } | null = null;

  const defaults = (): LiveChatSettings => {
    const cfg = (k: keyof LiveChatSettings) => strapi.plugin(PLUGIN_ID).config(k);
    const value = Object.fromEntries(NUMERIC_KEYS.map((k) => [k, Number(cfg(k) ?? 0)])) as Record<NumericKey, number>;
    const notice = cfg('privacyNotice');
    return { ...value, privacyNotice: validNotice(notice) ? notice : '' };
  };

  return {
    /** Cached for a second: read on every accept and every sweep, changed rarely. */
    async get(): Promise<LiveChatSettings> {
      if (cache && Date.now() - cache.at < 1000) return cache.value;
      const stored = ((await store().get({})) ?? {}) as Partial<LiveChatSettings>;
      const value = { ...defaults() };
      for (const k of NUMERIC_KEYS) if (positiveInt(stored[k])) value[k] = stored[k] as number;
      if (validNotice(stored.privacyNotice)) value.privacyNotice = stored.privacyNotice;
      cache = { value, at: Date.now() };
      return value;
    },
    /** Invalid values are ignored (each key keeps its previous value). */
    async set(patch: Partial<LiveChatSettings>): Promise<LiveChatSettings> {
      const current = ((await store().get({})) ?? {}) as Partial<LiveChatSettings>;
      const next = { ...current };
      for (const k of NUMERIC_KEYS) if (positiveInt(patch[k])) next[k] = patch[k] as number;
      if (validNotice(patch.privacyNotice)) next.privacyNotice = patch.privacyNotice;
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
