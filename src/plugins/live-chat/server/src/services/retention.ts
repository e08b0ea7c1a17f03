import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { knexOf, PLUGIN_ID, toDbTime } from '../utils';
import { TERMS_TABLE, TERM_CHATS_TABLE } from './terms';

const DAY_MS = 86_400_000;
/** statuses a chat is over in: open chats are never anonymised */
const ENDED = ['closed', 'missed', 'left_message', 'answered'];
/** the sweeper looks for chats to anonymise at most this often on one node */
const RETENTION_EVERY_MS = 60_000;

export interface RetentionPolicy {
  departmentId: number;
  departmentName: string;
  days: number;
}

/**
 * Privacy of the history, two ways:
 * - Retention (off by default, plugin config `retention`): per department, chats older than a
 *   number of days are anonymised by the sweeper: the visitor's name and e-mail, the question, the
 *   message texts, the page and browser, the rating's comment and the files are removed; what the
 *   statistics need stays (status, times, department, agent, tags, rating, the extracted terms),
 *   so volumes, waits and recurring subjects of past periods still add up.
 * - Erasure: an admin deletes everything stored of one visitor's e-mail, on request.
 * Both are logged (counts only: a log line must not keep what was erased).
 */
const createRetentionService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  let lastRun = 0;

  /** Rows of the relation (link) tables Strapi keeps for a content type, for these ids. */
  const deleteLinks = async (trx: Knex.Transaction, uid: string, ids: number[]) => {
    const meta = (strapi.db as any).metadata.get(uid);
    for (const attr of Object.values(meta.attributes) as any[]) {
      const jt = attr?.joinTable;
      if (!jt?.name || !jt.joinColumn?.name) continue;
      for (let i = 0; i < ids.length; i += 500) await trx(jt.name).whereIn(jt.joinColumn.name, ids.slice(i, i + 500)).del();
    }
  };

  /** Removes the stored files (bytes and upload rows) of these chats' attachments. */
  const removeFiles = async (chatIds: number[]) => {
    let removed = 0;
    for (let i = 0; i < chatIds.length; i += 200) {
      const attachments = await strapi.db.query('api::attachment.attachment').findMany({
        where: { chatId: { $in: chatIds.slice(i, i + 200) } },
        populate: ['file'],
      });
      for (const a of attachments as any[]) {
        if (a.file) {
          await strapi.plugin('upload').service('upload').remove(a.file);
          removed++;
        }
      }
    }
    return removed;
  };

  const service = {
    /** The days the server's configuration gives a department (0: kept forever). */
    defaultDays(dep: { id: number; name: string }): number {
      const cfg = (strapi.plugin(PLUGIN_ID).config('retention') ?? {}) as { days?: number; byDepartment?: Record<string, number> };
      const byDep = cfg.byDepartment ?? {};
      const days = Number(byDep[dep.name] ?? byDep[String(dep.id)] ?? cfg.days ?? 0);
      return Number.isInteger(days) && days > 0 ? days : 0;
    },

    /** Days of retention per department: the admin's setting (Settings page), else the server's
     * default; departments kept forever are left out. */
    async policies(): Promise<RetentionPolicy[]> {
      const deps = await strapi.db.query('api::department.department').findMany({ select: ['id', 'name', 'retentionDays'] });
      return (deps as any[])
        .map((d) => ({
          departmentId: Number(d.id),
          departmentName: d.name,
          days: d.retentionDays === null || d.retentionDays === undefined ? service.defaultDays(d) : Number(d.retentionDays),
        }))
        .filter((p) => Number.isInteger(p.days) && p.days > 0);
    },

    /** The sweeper's step: at most once a minute per node, a batch per department. */
    async sweep(now = new Date()) {
      if (now.getTime() - lastRun < RETENTION_EVERY_MS) return 0;
      lastRun = now.getTime();
      return service.anonymiseOld(now);
    },

    /** Anonymises ended chats older than their department's retention; returns how many. */
    async anonymiseOld(now = new Date(), batch = 200): Promise<number> {
      let total = 0;
      for (const p of await service.policies()) {
        const cutoff = toDbTime(strapi, new Date(now.getTime() - p.days * DAY_MS));
        const rows = await knex()('chats')
          .where({ department_id: p.departmentId })
          .whereIn('status', ENDED)
          .andWhere('queued_at', '<', cutoff)
          .andWhere('visitor_email', '<>', '')
          .orderBy('queued_at', 'asc')
          .limit(batch)
          .select('id');
        const ids = rows.map((r: any) => Number(r.id));
        if (ids.length === 0) continue;
        const files = await service.anonymise(ids, now);
        total += ids.length;
        strapi.log.info(`[live-chat] retention: anonymised ${ids.length} chats of ${p.departmentName} older than ${p.days} days (${files} files removed)`);
      }
      return total;
    },

    /** Removes what identifies the visitor from these chats; keeps the figures and the terms. */
    async anonymise(chatIds: number[], now = new Date()): Promise<number> {
      const files = await removeFiles(chatIds);
      await knex().transaction(async (trx) => {
        for (let i = 0; i < chatIds.length; i += 500) {
          const ids = chatIds.slice(i, i + 500);
          const attachmentIds = (await trx('attachments').whereIn('chat_id', ids).select('id')).map((r: any) => Number(r.id));
          if (attachmentIds.length) {
            await deleteLinks(trx, 'api::attachment.attachment', attachmentIds);
            await trx('attachments').whereIn('id', attachmentIds).del();
          }
          await trx('messages').whereIn('chat_id', ids).whereNot('kind', 'event').update({ body: '' });
          await trx('messages').whereIn('chat_id', ids).where('sender', 'visitor').update({ sender_name: '' });
          await trx('chats').whereIn('id', ids).update({
            visitor_name: '',
            visitor_email: '',
            question: '',
            page_url: null,
            user_agent: null,
            rating_comment: null,
            token_hash: null,
            updated_at: toDbTime(strapi, now),
          });
        }
      });
      return files;
    },

    /** Deletes every chat, message, file and term of one visitor's e-mail (any case). */
    async eraseEmail(email: string, requestedBy: { id: number }) {
      const rows = await knex()('chats').whereRaw('lower(visitor_email) = ?', [email.toLowerCase()]).select('id');
      const chatIds = rows.map((r: any) => Number(r.id));
      if (chatIds.length === 0) {
        strapi.log.info(`[live-chat] erasure requested by admin user ${requestedBy.id}: nothing stored for that e-mail`);
        return { chats: 0, messages: 0, files: 0 };
      }
      const files = await removeFiles(chatIds);
      let messages = 0;
      await knex().transaction(async (trx) => {
        for (let i = 0; i < chatIds.length; i += 500) {
          const ids = chatIds.slice(i, i + 500);
          const attachmentIds = (await trx('attachments').whereIn('chat_id', ids).select('id')).map((r: any) => Number(r.id));
          if (attachmentIds.length) {
            await deleteLinks(trx, 'api::attachment.attachment', attachmentIds);
            await trx('attachments').whereIn('id', attachmentIds).del();
          }
          const messageIds = (await trx('messages').whereIn('chat_id', ids).select('id')).map((r: any) => Number(r.id));
          for (let j = 0; j < messageIds.length; j += 500) {
            const part = messageIds.slice(j, j + 500);
            await deleteLinks(trx, 'api::message.message', part);
            await trx('messages').whereIn('id', part).del();
          }
          messages += messageIds.length;
          await trx(TERMS_TABLE).whereIn('chat_id', ids).del();
          await trx(TERM_CHATS_TABLE).whereIn('chat_id', ids).del();
          await deleteLinks(trx, 'api::chat.chat', ids);
          await trx('chats').whereIn('id', ids).del();
        }
      });
      strapi.log.info(`[live-chat] erasure requested by admin user ${requestedBy.id}: deleted ${chatIds.length} chats, ${messages} messages, ${files} files of one visitor`);
      return { chats: chatIds.length, messages, files };
    },
  };
  return service;
};

export type RetentionService = ReturnType<typeof createRetentionService>;
export default createRetentionService;
