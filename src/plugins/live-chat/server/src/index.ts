import fs from 'fs';
import path from 'path';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import config from './config';
import contentTypes from './content-types';
import controllers from './controllers';
import middlewares from './middlewares';
import routes from './routes';
import services from './services';
import { attachRealtime, type Realtime } from './realtime';
import { findInvalidText } from './domain';
import { INVALID_TEXT } from './middlewares/valid-text';
import { getService, PLUGIN_ID } from './utils';

/** The plugin's RBAC actions, shown in Strapi's roles editor. */
const ACTIONS = [
  { uid: 'console', displayName: 'Use the agent console (queue and conversations)' },
  { uid: 'history', displayName: 'Read the chat history' },
  { uid: 'analytics', displayName: 'Read the analytics' },
  { uid: 'settings', displayName: 'Change the live-chat settings' },
].map((a) => ({ ...a, section: 'plugins', pluginName: PLUGIN_ID }));

/** The content types admins write in the Content Manager. */
const ADMIN_EDITED = new Set(['plugin::live-chat.canned-response', 'api::department.department']);

let realtime: Realtime | null = null;

/** widget/dist/widget.js, built by `npm run build:widget` (and by `npm start` when missing). */
const WIDGET_FILE = path.resolve(__dirname, '..', '..', '..', '..', '..', 'widget', 'dist', 'widget.js');

/** The standalone chat page: the widget in full-page mode, the help page's experience. */
const CHAT_PAGE = `<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Atendimento</title>
<style>html,body{margin:0;height:100%}</style>
</head>
<body>
<script src="/widget.js" data-mode="page"></script>
</body>
</html>
`;

function serveWidget(ctx: any) {
  if (!fs.existsSync(WIDGET_FILE)) {
    ctx.status = 503;
    ctx.body = { error: { code: 'internal_error', message: 'The widget is not built: run `npm run build:widget`' } };
    return;
  }
  ctx.type = 'application/javascript; charset=utf-8';
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.body = fs.createReadStream(WIDGET_FILE);
}

function serveChatPage(ctx: any) {
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = CHAT_PAGE;
}

export default {
  config,
  contentTypes,
  controllers,
  middlewares,
  routes,
  services,

  register({ strapi }: { strapi: Core.Strapi }) {
    // the embeddable script and the standalone page, outside /api
    strapi.server.routes([
      { method: 'GET', path: '/widget.js', handler: serveWidget, config: { auth: false } },
      { method: 'GET', path: '/chat', handler: serveChatPage, config: { auth: false } },
    ] as any);
    // The Content Manager writes the types admins edit (canned responses, departments) through
    // the document service: the same guard as the plugin's admin routes refuses invalid text
    // there (a ValidationError: 400, nothing written).
    strapi.documents.use(async (ctx: any, next: () => any) => {
      if (ADMIN_EDITED.has(ctx.uid) && ['create', 'update', 'clone'].includes(ctx.action)) {
        const where = findInvalidText(ctx.params?.data);
        if (where !== null) throw new errors.ValidationError(`${where || 'data'}: ${INVALID_TEXT}`, { errors: [{ path: where.split('.'), message: INVALID_TEXT }] });
      }
      return next();
    });
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await (strapi as any).admin.services.permission.actionProvider.registerMany(ACTIONS);
    await getService(strapi, 'terms').ensureTables();
    realtime = await attachRealtime(strapi);
    getService(strapi, 'sweeper').start();
  },

  async destroy({ strapi }: { strapi: Core.Strapi }) {
    await getService(strapi, 'sweeper').stop();
    await realtime?.close();
    realtime = null;
  },
};
