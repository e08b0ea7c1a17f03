import { FINAL_STATUSES, type AppError, type ChatStatus, type Sender } from '../../../shared/contract';
import { appError } from './errors';

/** E-mails as plain data: text, and HTML in which every user-written text is escaped. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface MailLine {
  sender: Sender;
  senderName: string | null;
  body: string;
  createdAt: string;
}

export interface MailChat {
  id: number;
  visitorName: string;
  visitorEmail: string;
  departmentName: string;
  question: string;
  queuedAt: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** A header value from user text: one line, bounded. */
export const oneLine = (s: string, max = 120): string => {
  const flat = s.replace(/[\r\n\t\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** "2024-05-01 13:04 UTC" */
export const mailTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const who = (l: MailLine, visitorName: string): string =>
  l.senderName ?? (l.sender === 'visitor' ? visitorName : l.sender === 'agent' ? 'Atendente' : 'Sistema');

const textLines = (lines: MailLine[], visitorName: string) =>
  lines.map((l) => `[${mailTime(l.createdAt)}] ${who(l, visitorName)}: ${l.body}`).join('\n');

const htmlLines = (lines: MailLine[], visitorName: string) =>
  lines
    .map(
      (l) =>
        `<p><small>${escapeHtml(mailTime(l.createdAt))}</small> <strong>${escapeHtml(who(l, visitorName))}</strong>:<br>` +
        `<span style="white-space:pre-wrap">${escapeHtml(l.body)}</span></p>`
    )
    .join('\n');

/** To the department: a visitor left a message (the question and everything it wrote). */
export function leftMessageMail(chat: MailChat, lines: MailLine[]): MailContent {
  const subject = oneLine(`[${chat.departmentName}] Mensagem deixada por ${chat.visitorName} (chat #${chat.id})`, 200);
  const text = [
    `Mensagem deixada no chat #${chat.id} (${chat.departmentName}), ${mailTime(chat.queuedAt)}.`,
    '',
    `Nome: ${chat.visitorName}`,
    `E-mail: ${chat.visitorEmail}`,
    '',
    'Pergunta:',
    chat.question,
    ...(lines.length ? ['', 'Mensagens:', textLines(lines, chat.visitorName)] : []),
    '',
    'Responda a este e-mail para responder ao visitante.',
  ].join('\n');
  const html = [
    `<p>Mensagem deixada no chat #${chat.id} (${escapeHtml(chat.departmentName)}), ${escapeHtml(mailTime(chat.queuedAt))}.</p>`,
    `<p>Nome: ${escapeHtml(chat.visitorName)}<br>E-mail: ${escapeHtml(chat.visitorEmail)}</p>`,
    `<p><strong>Pergunta:</strong><br><span style="white-space:pre-wrap">${escapeHtml(chat.question)}</span></p>`,
    ...(lines.length ? ['<p><strong>Mensagens:</strong></p>', htmlLines(lines, chat.visitorName)] : []),
    '<p>Responda a este e-mail para responder ao visitante.</p>',
  ].join('\n');
  return { subject, text, html };
}

/** To the visitor: the public transcript of its chat. */
export function transcriptMail(chat: MailChat, lines: MailLine[]): MailContent {
  const subject = oneLine(`Transcrição do seu atendimento (${chat.departmentName}, chat #${chat.id})`, 200);
  const text = [
    `Olá, ${chat.visitorName}.`,
    '',
    `Esta é a transcrição do seu atendimento (${chat.departmentName}), iniciado em ${mailTime(chat.queuedAt)}.`,
    '',
    'Sua pergunta:',
    chat.question,
    '',
    lines.length ? textLines(lines, chat.visitorName) : '(nenhuma mensagem)',
  ].join('\n');
  const html = [
    `<p>Olá, ${escapeHtml(chat.visitorName)}.</p>`,
    `<p>Esta é a transcrição do seu atendimento (${escapeHtml(chat.departmentName)}), iniciado em ${escapeHtml(mailTime(chat.queuedAt))}.</p>`,
    `<p><strong>Sua pergunta:</strong><br><span style="white-space:pre-wrap">${escapeHtml(chat.question)}</span></p>`,
    lines.length ? htmlLines(lines, chat.visitorName) : '<p>(nenhuma mensagem)</p>',
  ].join('\n');
  return { subject, text, html };
}

/** Statuses after which the chat token still allows rating and the transcript. */
export const isOver = (status: ChatStatus): boolean =>
  status === 'left_message' || (FINAL_STATUSES as readonly ChatStatus[]).includes(status);

/**
 * May the chat token still act on this chat after its end (rate it, ask for the transcript)?
 * null if so; `invalid_state` while it is not over, `expired` past the window.
 */
export function afterCloseRefusal(
  chat: { status: ChatStatus; closedAt: string | null },
  windowSeconds: number,
  now: Date
): AppError | null {
  if (!isOver(chat.status) || !chat.closedAt) return appError('invalid_state', 'The chat is not over yet');
  if (now.getTime() - Date.parse(chat.closedAt) > windowSeconds * 1000) {
    return appError('expired', 'This chat ended too long ago: it can no longer be rated or sent');
  }
  return null;
}
