import type { Core } from '@strapi/strapi';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { PLUGIN_ID } from '../utils';

export type LimitName = 'startPerIp' | 'messagesPerChat' | 'messagesPerIp' | 'leavePerIp' | 'leavePerEmail';

/**
 * Rate limits with rate-limiter-flexible: in Redis when REDIS_URL is set (shared by every node),
 * in memory otherwise (one node).
 */
const createRateLimitService = ({ strapi }: { strapi: Core.Strapi }) => {
  const limiters = new Map<LimitName, RateLimiterAbstract>();
  let redis: unknown = null;

  const limiter = (name: LimitName) => {
    let l = limiters.get(name);
    if (!l) {
      const cfg = (strapi.plugin(PLUGIN_ID).config('rateLimits') as Record<LimitName, { points: number; duration: number }>)[name];
      const prefix = `${strapi.plugin(PLUGIN_ID).config('redisKeyPrefix')}rl:${name}`;
      l = redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix, points: cfg.points, duration: cfg.duration, insuranceLimiter: new RateLimiterMemory({ points: cfg.points, duration: cfg.duration }) })
        : new RateLimiterMemory({ keyPrefix: prefix, points: cfg.points, duration: cfg.duration });
      limiters.set(name, l);
    }
    return l;
  };

  return {
    useRedis(client: unknown) {
      redis = client;
      limiters.clear();
    },
    /** null when allowed, else the seconds to wait */
    async consume(name: LimitName, key: string): Promise<number | null> {
      try {
        await limiter(name).consume(key);
        return null;
      } catch (res) {
        if (res instanceof Error) throw res;
        return Math.max(1, Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000));
      }
    },
  };
};

export type RateLimitService = ReturnType<typeof createRateLimitService>;
export default createRateLimitService;
