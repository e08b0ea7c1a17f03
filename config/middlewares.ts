import os from 'os';
import type { Core } from '@strapi/strapi';
import { MAX_FILE_BYTES_CEILING } from '../src/upload/rules';

/**
 * The 10 MiB per-file limit is enforced here by the body parser (the exact 413 at 10 MiB + 1
 * byte: the upload plugin's own check rounds sizes) and in config/plugins.ts by the upload
 * plugin; both read MAX_FILE_BYTES_CEILING from src/upload/rules.ts.
 */
const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Middlewares => [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  {
    // The sites allowed to embed the widget (LIVE_CHAT_ORIGINS) are the ones allowed to call the
    // API from a browser, unless CORS_ORIGINS says otherwise. The admin is same-origin.
    name: 'strapi::cors',
    config: {
      origin: env.array('CORS_ORIGINS', env.array('LIVE_CHAT_ORIGINS', ['*'])),
      credentials: false,
    },
  },
  'strapi::poweredBy',
  'strapi::query',
  'global::upload-cleanup',
  {
    name: 'strapi::body',
    config: {
      jsonLimit: env('BODY_JSON_LIMIT', '256kb'),
      formLimit: env('BODY_FORM_LIMIT', '256kb'),
      textLimit: env('BODY_TEXT_LIMIT', '256kb'),
      formidable: {
        maxFileSize: MAX_FILE_BYTES_CEILING,
        maxFiles: 10,
        maxFields: 50,
        uploadDir: env('UPLOAD_TMP_DIR', os.tmpdir()),
      },
    },
  },
  'global::upload-guard',
  'strapi::session',
  'global::private-files',
  'strapi::favicon',
  'strapi::public',
];

export default config;
