import type { Core } from '@strapi/strapi';
import * as domain from '../domain';
import type { MailLine } from '../domain';
import { getService } from '../utils';
import type { ChatRecord } from './chats';

/**
 * The plugin's e-mails, sent through Strapi's email plugin (nodemailer provider, SMTP from the
 * environment: see config/plugins.ts). Composition is in domain/mail.ts (pure, unit-tested).
 */
const createMailService = ({ strapi }: { strapi: Core.Strapi }) => {
  const send = (mail: { to: string; replyTo?: string; subject: string; text: string; html: string }) =>
    strapi.plugin('email').service('email').send(mail) as Promise<unknown>;

  /** The public conversation as the visitor saw it (no private notes, no system events). */
  const publicLines = async (chatId: number): Promise<MailLine[]> =>
    (await getService(strapi, 'messages').after(chatId, 0, 'visitor', 5000))
      .filter((m) => m.kind !== 'event')
      .map((m) => ({ sender: m.sender, senderName: m.senderName, body: m.kind === 'file' ? `[arquivo] ${m.body}` : m.body, createdAt: m.createdAt }));

  const service = {
    /** The department is told at its notification address (none set: nothing is sent). */
    async leftMessage(chat: ChatRecord): Promise<boolean> {
      const dep = await strapi.db.query('api::department.department').findOne({ where: { id: chat.departmentId }, select: ['notificationEmail', 'name'] });
      const to = typeof dep?.notificationEmail === 'string' ? dep.notificationEmail.trim() : '';
      if (!to) return false;
      const content = domain.leftMessageMail({ ...chat, departmentName: chat.departmentName || dep?.name || '' }, await publicLines(chat.id));
      // Reply-To is the visitor: the agent answers with the mail client's "Reply"
      await send({ to, replyTo: chat.visitorEmail, ...content });
      return true;
    },

    /** Never awaited by the request that caused it: a slow or absent SMTP server must not hold
     * the visitor. Failures are logged. */
    leftMessageInBackground(chat: ChatRecord) {
      service.leftMessage(chat).catch((err) => strapi.log.error(`[live-chat] left-message e-mail for chat ${chat.id}: ${(err as Error).message}`));
    },

    /** The transcript goes only to the chat's own visitor address. */
    async transcript(chat: ChatRecord): Promise<void> {
      const content = domain.transcriptMail(chat, await publicLines(chat.id));
      await send({ to: chat.visitorEmail, ...content });
    },
  };
  return service;
};

export type MailService = ReturnType<typeof createMailService>;
export default createMailService;
