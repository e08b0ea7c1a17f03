import crypto from 'crypto';
import fs from 'fs';
import type { Core } from '@strapi/strapi';
import type { AppError, AttachmentDto, MessageDto } from '../../../shared/contract';
import { assertFilesAllowed } from '../../../../../upload/guard';
import { CEILING_RULES, narrowRules, ruleForExtension, type UploadRules } from '../../../../../upload/rules';
import { FILES_PREFIX, signPath } from '../../../../../upload/private-storage';
import { getService, knexOf, PLUGIN_ID } from '../utils';

interface IncomingFile {
  filepath: string;
  originalFilename?: string | null;
  size: number;
  mimetype?: string | null;
}

const sha256Of = async (filepath: string) => {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(filepath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/**
 * Files in a chat: the upload goes through the upload plugin's service (the same gate and
 * pipeline as every upload, private storage), then becomes a `file` message of the conversation
 * with its attachment row (original name, verified type, size, SHA-256). Downloads are by
 * short-lived signed URL, issued by `signedUrl` to whoever may read the chat.
 */
const createFilesService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID, key: 'upload-rules' });

  const service = {
    /** The help page's ceiling, narrowed by the admin's settings (never widened). */
    async rules(): Promise<UploadRules> {
      return narrowRules(CEILING_RULES, ((await store().get({})) ?? null) as Partial<UploadRules> | null);
    },
    async setRules(wanted: Partial<UploadRules>) {
      await store().set({ value: narrowRules(CEILING_RULES, wanted) });
      return service.rules();
    },

    async attach(
      chatId: number,
      file: IncomingFile,
      by: { sender: 'visitor' | 'agent'; name: string | null; agentId?: number },
      clientId: string | null
    ): Promise<{ ok: true; message: MessageDto; duplicate: boolean; chatAgentId: number | null } | { ok: false; error: AppError; status: number }> {
      const rules = await service.rules();
      try {
        await assertFilesAllowed(file as any, rules);
      } catch (e) {
        const err = e as { status: number; message: string; details?: { code?: string } };
        return { ok: false, status: err.status ?? 400, error: { code: 'validation_failed', message: err.message } };
      }
      if (clientId) {
        const existing = await getService(strapi, 'messages').byClientId(chatId, clientId);
        if (existing) return { ok: true, message: await service.withAttachment(existing), duplicate: true, chatAgentId: null };
      }
      const sha256 = await sha256Of(file.filepath);
      const name = String(file.originalFilename);
      const [stored] = await strapi.plugin('upload').service('upload').upload({ data: { fileInfo: { name } }, files: file });
      const appended = await getService(strapi, 'messages').append(
        { chatId, sender: by.sender, senderName: by.name, agentId: by.agentId ?? null, clientId, body: name, kind: 'file' },
        by.sender === 'agent' ? { agentId: by.agentId } : {}
      );
      if (!appended.ok) {
        await strapi.plugin('upload').service('upload').remove(stored);
        return { ok: false, status: appended.error.code === 'not_found' ? 404 : 409, error: appended.error };
      }
      const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
      const rule = ruleForExtension(ext)!;
      await strapi.db.query('api::attachment.attachment').create({
        data: {
          file: stored.id,
          chat: chatId,
          chatId,
          message: appended.message.id,
          originalName: name,
          mime: rule.mime,
          size: file.size,
          sha256,
          uploadedBy: by.sender,
          inline: rule.inline,
        },
      });
      return { ...appended, message: await service.withAttachment(appended.message) };
    },

    /** Adds the attachment (no URL: URLs are asked for, and expire) to file messages. */
    async withAttachments(messages: MessageDto[]): Promise<MessageDto[]> {
      const ids = messages.filter((m) => m.kind === 'file').map((m) => m.id);
      if (ids.length === 0) return messages;
      const rows = await knex()('attachments as a')
        .join('attachments_message_lnk as l', 'l.attachment_id', 'a.id')
        .whereIn('l.message_id', ids)
        .select('a.id', 'a.original_name', 'a.mime', 'a.size', 'a.inline', 'l.message_id');
      const byMessage = new Map<number, AttachmentDto>(
        rows.map((r: any) => [Number(r.message_id), { id: Number(r.id), name: r.original_name, mime: r.mime, size: Number(r.size), inline: !!r.inline }])
      );
      return messages.map((m) => (m.kind === 'file' ? { ...m, attachment: byMessage.get(m.id) ?? null } : m));
    },

    async withAttachment(message: MessageDto): Promise<MessageDto> {
      return (await service.withAttachments([message]))[0];
    },

    /** A signed download URL for an attachment of this chat, or null if it is not this chat's. */
    async signedUrl(chatId: number, attachmentId: number) {
      const att = await strapi.db.query('api::attachment.attachment').findOne({ where: { id: attachmentId, chatId }, populate: ['file'] });
      if (!att?.file) return null;
      const pathname = `${FILES_PREFIX}${att.file.hash}${String(att.file.ext).toLowerCase()}`;
      return { ...signPath(pathname), name: att.originalName as string, mime: att.mime as string, size: Number(att.size), sha256: att.sha256 as string };
    },
  };
  return service;
};

export type FilesService = ReturnType<typeof createFilesService>;
export default createFilesService;
