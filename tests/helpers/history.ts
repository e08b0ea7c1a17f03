import crypto from 'crypto';
import type { Core } from '@strapi/strapi';

/**
 * Small, known chat histories written through Strapi's query layer (so the rows look exactly like
 * the ones the plugin writes), for the analysts' access and analytics tests.
 */
export interface SeedChat {
  department: string;
  status?: 'waiting' | 'active' | 'closed' | 'missed' | 'left_message' | 'answered';
  name?: string;
  email?: string;
  question: string;
  queuedAt: string;
  acceptedAt?: string | null;
  firstAgentReplyAt?: string | null;
  closedAt?: string | null;
  agentId?: number | null;
  agentName?: string | null;
  tags?: string[];
  rating?: number | null;
  locale?: string | null;
  /** [sender, body] in order; seq from 1 */
  messages?: [('visitor' | 'agent' | 'system'), string][];
}

export async function departmentByName(strapi: Core.Strapi, name: string) {
  const dep = await strapi.db.query('api::department.department').findOne({ where: { name } });
  if (!dep) throw new Error(`no department ${name}`);
  return dep as { id: number; name: string; documentId: string; timezone: string };
}

export async function seedChat(strapi: Core.Strapi, c: SeedChat) {
  const dep = await departmentByName(strapi, c.department);
  const date = (v: string | null | undefined) => (v ? new Date(v) : null);
  const chat = await strapi.db.query('api::chat.chat').create({
    data: {
      status: c.status ?? 'closed',
      visitorName: c.name ?? 'Maria Silva',
      visitorEmail: c.email ?? 'maria@example.com',
      question: c.question,
      department: dep.id,
      departmentId: dep.id,
      departmentName: dep.name,
      queuedAt: new Date(c.queuedAt),
      acceptedAt: date(c.acceptedAt),
      firstAgentReplyAt: date(c.firstAgentReplyAt),
      closedAt: date(c.closedAt),
      closedBy: c.closedAt && (c.status ?? 'closed') === 'closed' ? 'agent' : null,
      closeReason: c.closedAt && (c.status ?? 'closed') === 'closed' ? 'resolved' : null,
      agentId: c.agentId ?? null,
      agentName: c.agentName ?? null,
      tags: c.tags ?? [],
      rating: c.rating ?? null,
      locale: c.locale ?? 'pt-BR',
      tokenHash: crypto.randomBytes(32).toString('hex'),
      lastSeq: c.messages?.length ?? 0,
      priority: 0,
    },
  });
  let seq = 0;
  const messages: { id: number; seq: number }[] = [];
  for (const [sender, body] of c.messages ?? []) {
    seq += 1;
    const clientId = `seed-${seq}`;
    const m = await strapi.db.query('api::message.message').create({
      data: { chat: chat.id, chatId: chat.id, seq, sender, kind: 'text', visibility: 'public', body, clientId, chatClientKey: `${chat.id}:${clientId}` },
    });
    messages.push({ id: m.id, seq });
  }
  return { ...chat, messages } as { id: number; documentId: string; messages: { id: number; seq: number }[] };
}

/** A stored file row (no bytes needed for the history API) attached to a chat as a file message. */
export async function seedAttachment(strapi: Core.Strapi, chatId: number, originalName: string) {
  const hash = `h${crypto.randomBytes(8).toString('hex')}`;
  const file = await strapi.db.query('plugin::upload.file').create({
    data: { name: originalName, hash, ext: '.pdf', mime: 'application/pdf', size: 1.2, url: `/files/${hash}.pdf`, provider: 'local' },
  });
  const chat = await strapi.db.query('api::chat.chat').findOne({ where: { id: chatId } });
  const seq = Number(chat.lastSeq) + 1;
  await strapi.db.query('api::chat.chat').update({ where: { id: chatId }, data: { lastSeq: seq } });
  const message = await strapi.db.query('api::message.message').create({
    data: { chat: chatId, chatId, seq, sender: 'visitor', kind: 'file', visibility: 'public', body: originalName, clientId: `file-${seq}`, chatClientKey: `${chatId}:file-${seq}` },
  });
  return strapi.db.query('api::attachment.attachment').create({
    data: { file: file.id, chat: chatId, chatId, message: message.id, originalName, mime: 'application/pdf', size: 1234, sha256: 'a'.repeat(64), uploadedBy: 'visitor', inline: false },
  });
}
