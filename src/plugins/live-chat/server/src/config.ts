export const DEFAULT_PRIVACY_NOTICE =
  'Usamos seu nome e e-mail apenas para responder ao seu atendimento. A conversa fica registrada para melhorarmos o suporte.';

/** Defaults; config/plugins.ts (from the environment) overrides them, the admin's settings win. */
export default {
  default: {
    gracePeriodSeconds: 60,
    waitingLimitSeconds: 300,
    agentCap: 0,
    postCloseWindowSeconds: 86400,
    idleSeconds: 1800,
    privacyNotice: DEFAULT_PRIVACY_NOTICE,
    sweepIntervalMs: 5000,
    redisUrl: '',
    redisKeyPrefix: 'livechat:',
    corsOrigins: ['*'],
    rateLimits: {
      startPerIp: { points: 10, duration: 600 },
      messagesPerChat: { points: 30, duration: 10 },
      messagesPerIp: { points: 120, duration: 10 },
      leavePerIp: { points: 5, duration: 3600 },
      leavePerEmail: { points: 3, duration: 3600 },
    },
    // analytics: "send to development" posts a recurring demand here (empty: not configured)
    developmentWebhookUrl: '',
    developmentWebhookTimeoutMs: 5000,
    // retention (off by default): chats older than this many days are anonymised by the sweeper;
    // `days` for every department, `byDepartment` (department name or id → days) overrides it
    retention: { days: 0, byDepartment: {} as Record<string, number> },
  },
  validator(config: Record<string, unknown>) {
    for (const k of ['gracePeriodSeconds', 'waitingLimitSeconds', 'agentCap', 'postCloseWindowSeconds', 'idleSeconds', 'sweepIntervalMs']) {
      const v = config[k];
      if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`live-chat: ${k} must be a non-negative integer`);
    }
    const notice = config.privacyNotice;
    if (typeof notice !== 'string' || notice.length > 1000) throw new Error('live-chat: privacyNotice must be a string of at most 1000 characters');
    const hook = config.developmentWebhookUrl;
    if (typeof hook !== 'string' || (hook !== '' && !/^https?:\/\/[^\s]+$/i.test(hook))) throw new Error('live-chat: developmentWebhookUrl must be empty or an http(s) URL');
    if (!Number.isInteger(config.developmentWebhookTimeoutMs) || (config.developmentWebhookTimeoutMs as number) < 1) throw new Error('live-chat: developmentWebhookTimeoutMs must be a positive integer');
    const retention = (config.retention ?? {}) as { days?: unknown; byDepartment?: Record<string, unknown> };
    for (const [k, v] of Object.entries({ days: retention.days ?? 0, ...Object.fromEntries(Object.entries(retention.byDepartment ?? {}).map(([d, n]) => [`byDepartment.${d}`, n])) })) {
      if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`live-chat: retention.${k} must be a non-negative whole number of days`);
    }
    const limits = (config.rateLimits ?? {}) as Record<string, { points?: unknown; duration?: unknown }>;
    for (const [name, l] of Object.entries(limits)) {
      if (!Number.isInteger(l?.points) || (l.points as number) < 1 || !Number.isInteger(l?.duration) || (l.duration as number) < 1) {
        throw new Error(`live-chat: rateLimits.${name} needs positive integer points and duration`);
      }
    }
  },
};
