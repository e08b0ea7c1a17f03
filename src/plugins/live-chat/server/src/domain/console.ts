import { z } from 'zod';
import {
  CHAT_STATUSES,
  HISTORY_PAGE_SIZE_MAX,
  LIMITS,
  WEEKDAYS,
  type BusinessHours,
  type ConsoleSettings,
  type DepartmentUpdate,
  type HistorySearch,
} from '../../../shared/contract';
import { timeToMinutes, isValidTimeZone } from './business-hours';
import { escapeHtml, mailTime, oneLine, type MailContent } from './mail';
import { hasInvalidText, parser } from './validation';

// The console's REST inputs. Query strings arrive as strings: numbers are parsed strictly.

const MAX_INT = 2_147_483_647;
const intString = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^\d{1,10}$/, 'Must be a whole number').transform(Number)]).pipe(z.number().int().min(min).max(max));
const cleanText = (max: number, min = 1) =>
  z.string().trim().min(min).max(max).refine((s) => !hasInvalidText(s), 'Contains invalid characters');
const isoDate = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'Must be a date such as 2024-05-01 or 2024-05-01T13:00:00Z');

export const historyQuerySchema = z
  .object({
    q: cleanText(200).optional(),
    email: z.string().trim().min(1).max(LIMITS.email).optional(),
    departmentId: intString(1, MAX_INT).optional(),
    status: z.enum(CHAT_STATUSES).optional(),
    agentId: intString(1, MAX_INT).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    page: intString(1, 100000).optional(),
    pageSize: intString(1, HISTORY_PAGE_SIZE_MAX).optional(),
  })
  .strict()
  .refine((v) => !v.from || !v.to || Date.parse(v.from) < Date.parse(v.to), { message: 'Must be after "from"', path: ['to'] });

export const replySchema = z.object({ body: cleanText(LIMITS.messageBody) }).strict();

const seconds = (max: number) => z.number().int().min(0).max(max);

export const settingsPatchSchema = z
  .object({
    gracePeriodSeconds: seconds(86400),
    waitingLimitSeconds: seconds(86400),
    agentCap: seconds(1000),
    postCloseWindowSeconds: seconds(30 * 86400),
    idleSeconds: seconds(7 * 86400),
    privacyNotice: z.string().max(LIMITS.privacyNotice).refine((s) => !hasInvalidText(s), 'Contains invalid characters'),
    upload: z
      .object({
        maxBytes: z.number().int().min(1),
        extensions: z.array(z.string().min(1).max(10)).min(1).max(50),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

const hhmm = z.string().refine((s) => timeToMinutes(s) !== null, 'Must be a time such as 09:00');
const businessHoursSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(z.tuple([hhmm, hhmm])).max(6).optional()])) as Record<string, z.ZodTypeAny>)
  .strict();

export const departmentPatchSchema = z
  .object({
    timezone: z.string().max(64).refine(isValidTimeZone, 'Must be an IANA time zone such as America/Sao_Paulo'),
    businessHours: businessHoursSchema.nullable(),
    notificationEmail: z.union([z.literal(''), z.string().trim().max(LIMITS.email).email()]).nullable(),
    agentIds: z.array(z.number().int().positive().max(MAX_INT)).max(500),
    // days, at most 100 years; 0 keeps forever; null goes back to the server's default
    retentionDays: z.number().int().min(0).max(36500).nullable(),
  })
  .partial()
  .strict();

export const parseHistoryQuery = parser(historyQuerySchema);
export const parseReply = parser(replySchema);
export const parseSettingsPatch = parser(settingsPatchSchema);
export const parseDepartmentPatch = parser(departmentPatchSchema);

/**
 * Settings may only narrow the upload ceiling: a larger size or a type outside it is refused
 * (with the field), never silently clamped.
 */
export function uploadNarrowingError(
  wanted: { maxBytes?: number; extensions?: string[] } | undefined,
  ceiling: { maxBytes: number; extensions: readonly string[] }
): Record<string, string> | null {
  if (!wanted) return null;
  const fields: Record<string, string> = {};
  if (wanted.maxBytes !== undefined && wanted.maxBytes > ceiling.maxBytes) {
    fields['upload.maxBytes'] = `Must be at most ${ceiling.maxBytes} bytes (the configured ceiling)`;
  }
  if (wanted.extensions) {
    const outside = wanted.extensions.map((e) => e.toLowerCase().replace(/^\./, '')).filter((e) => !ceiling.extensions.includes(e));
    if (outside.length) fields['upload.extensions'] = `Not allowed by the configuration: ${outside.join(', ')} (allowed: ${ceiling.extensions.join(', ')})`;
  }
  return Object.keys(fields).length ? fields : null;
}

/** Escapes LIKE wildcards so that a search for "50%" finds "50%". */
export const likePattern = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// compile-time: what the parsers return is what the contract promises
type Assert<T extends true> = T;
type ContractChecks = [
  Assert<z.output<typeof historyQuerySchema> extends HistorySearch.Query ? true : false>,
  Assert<z.output<typeof departmentPatchSchema> extends DepartmentUpdate.Request ? true : false>,
  Assert<z.output<typeof settingsPatchSchema> extends ConsoleSettings.Request ? true : false>,
  Assert<BusinessHours extends Record<string, unknown> ? true : false>,
];

export interface ReplyChat {
  id: number;
  visitorName: string;
  departmentName: string;
  question: string;
  queuedAt: string;
}

/** To the visitor: an agent's answer to the message it left, quoting the question. */
export function replyMail(chat: ReplyChat, body: string, agentName: string): MailContent {
  const subject = oneLine(`[${chat.departmentName}] Resposta à sua mensagem (chat #${chat.id})`, 200);
  const quoted = chat.question
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  const text = [
    `Olá, ${chat.visitorName}.`,
    '',
    body,
    '',
    `— ${agentName}, ${chat.departmentName}`,
    '',
    `Em ${mailTime(chat.queuedAt)} você escreveu:`,
    quoted,
  ].join('\n');
  const html = [
    `<p>Olá, ${escapeHtml(chat.visitorName)}.</p>`,
    `<p style="white-space:pre-wrap">${escapeHtml(body)}</p>`,
    `<p>— ${escapeHtml(agentName)}, ${escapeHtml(chat.departmentName)}</p>`,
    `<p><small>Em ${escapeHtml(mailTime(chat.queuedAt))} você escreveu:</small></p>`,
    `<blockquote style="white-space:pre-wrap">${escapeHtml(chat.question)}</blockquote>`,
  ].join('\n');
  return { subject, text, html };
}
