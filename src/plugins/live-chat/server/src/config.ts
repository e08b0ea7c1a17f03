/** Defaults; config/plugins.ts (from the environment) overrides them, the admin's settings win. */
export default {
  default: {
    gracePeriodSeconds: 60,
    waitingLimitSeconds: 300,
    agentCap: 0,
    postCloseWindowSeconds: 86400,
    sweepIntervalMs: 5000,
    redisUrl: '',
    redisKeyPrefix: 'livechat:',
    corsOrigins: ['*'],
    rateLimits: {
      startPerIp: { points: 10, duration: 600 },
      messagesPerChat: { points: 30, duration: 10 },
      messagesPerIp: { points: 120, duration: 10 },
    },
  },
  validator(config: Record<string, unknown>) {
    for (const k of ['gracePeriodSeconds', 'waitingLimitSeconds', 'agentCap', 'postCloseWindowSeconds', 'sweepIntervalMs']) {
      const v = config[k];
      if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`live-chat: ${k} must be a non-negative integer`);
    }
  },
};
