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
});

export default config;
