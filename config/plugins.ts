import type { Core } from '@strapi/strapi';
import { MAX_FILE_BYTES_CEILING, UPLOAD_ALLOWED_MIME_TYPES, UPLOAD_DENIED_MIME_TYPES } from '../src/upload/rules';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({
  'users-permissions': {
    config: {
      jwtManagement: 'refresh',
      sessions: { httpOnly: true },
    },
  },
  upload: {
    config: {
      provider: 'local',
      sizeLimit: MAX_FILE_BYTES_CEILING,
      // no thumbnails, no responsive copies: a chat file is stored exactly as it was sent
      breakpoints: {},
      security: {
        allowedTypes: [...UPLOAD_ALLOWED_MIME_TYPES],
        deniedTypes: [...UPLOAD_DENIED_MIME_TYPES],
      },
    },
  },
  graphql: {
    config: {
      endpoint: '/graphql',
      shadowCRUD: true,
      landingPage: false,
      depthLimit: 7,
      amountLimit: 100,
      maxLimit: 100,
      defaultLimit: 25,
      apolloServer: { introspection: env.bool('GRAPHQL_INTROSPECTION', true) },
    },
  },
  email: {
    config: {
      provider: 'nodemailer',
      providerOptions: {
        host: env('SMTP_HOST', '127.0.0.1'),
        port: env.int('SMTP_PORT', 25),
        secure: env.bool('SMTP_SECURE', false),
        // credentials only when given: a local relay usually takes none
        ...(env('SMTP_USER', '') ? { auth: { user: env('SMTP_USER'), pass: env('SMTP_PASS', '') } } : {}),
      },
      settings: {
        defaultFrom: env('EMAIL_FROM', 'Atendimento <no-reply@localhost>'),
        defaultReplyTo: env('EMAIL_REPLY_TO', env('EMAIL_FROM', 'Atendimento <no-reply@localhost>')),
      },
    },
  },
  'live-chat': {
    enabled: true,
    resolve: './src/plugins/live-chat',
    config: {
      // defaults of the settings an admin can change (plugin store); durations in seconds
      gracePeriodSeconds: env.int('LIVE_CHAT_GRACE_SECONDS', 60),
      waitingLimitSeconds: env.int('LIVE_CHAT_WAITING_LIMIT_SECONDS', 300),
      agentCap: env.int('LIVE_CHAT_AGENT_CAP', 0),
      postCloseWindowSeconds: env.int('LIVE_CHAT_POST_CLOSE_SECONDS', 86400),
      idleSeconds: env.int('LIVE_CHAT_IDLE_SECONDS', 1800),
      privacyNotice: env(
        'LIVE_CHAT_PRIVACY_NOTICE',
        'Usamos seu nome e e-mail apenas para responder ao seu atendimento. A conversa fica registrada para melhorarmos o suporte.'
      ),
      // how often each node heartbeats its sockets and runs the sweeper
      sweepIntervalMs: env.int('LIVE_CHAT_SWEEP_INTERVAL_MS', 5000),
      redisUrl: env('REDIS_URL', ''),
      redisKeyPrefix: env('REDIS_KEY_PREFIX', 'livechat:'),
      corsOrigins: env.array('LIVE_CHAT_ORIGINS', ['*']),
      // analytics: where "send to development" posts a recurring demand (JSON); empty = off
      developmentWebhookUrl: env('LIVE_CHAT_DEVELOPMENT_WEBHOOK_URL', ''),
      developmentWebhookTimeoutMs: env.int('LIVE_CHAT_DEVELOPMENT_WEBHOOK_TIMEOUT_MS', 5000),
      // retention, off by default: anonymise chats older than N days (0 = keep forever);
      // LIVE_CHAT_RETENTION_BY_DEPARTMENT="Financeiro=365,Suporte=180" overrides per department
      retention: {
        days: env.int('LIVE_CHAT_RETENTION_DAYS', 0),
        byDepartment: Object.fromEntries(
          env('LIVE_CHAT_RETENTION_BY_DEPARTMENT', '')
            .split(',')
            .map((pair: string) => pair.split('=').map((x) => x.trim()))
            .filter((pair: string[]) => pair.length === 2 && pair[0] !== '')
            .map(([dep, days]: string[]) => [dep, Number(days)])
        ),
      },
      rateLimits: {
        startPerIp: { points: env.int('LIVE_CHAT_RATE_START_POINTS', 10), duration: env.int('LIVE_CHAT_RATE_START_SECONDS', 600) },
        messagesPerChat: { points: env.int('LIVE_CHAT_RATE_MESSAGE_POINTS', 30), duration: env.int('LIVE_CHAT_RATE_MESSAGE_SECONDS', 10) },
        messagesPerIp: { points: env.int('LIVE_CHAT_RATE_MESSAGE_IP_POINTS', 120), duration: env.int('LIVE_CHAT_RATE_MESSAGE_IP_SECONDS', 10) },
        leavePerIp: { points: env.int('LIVE_CHAT_RATE_LEAVE_IP_POINTS', 5), duration: env.int('LIVE_CHAT_RATE_LEAVE_IP_SECONDS', 3600) },
        leavePerEmail: { points: env.int('LIVE_CHAT_RATE_LEAVE_EMAIL_POINTS', 3), duration: env.int('LIVE_CHAT_RATE_LEAVE_EMAIL_SECONDS', 3600) },
      },
    },
  },
});

export default config;
