import { z } from 'zod';
import {
  LIMITS,
  PRESENCES,
  VISIBILITIES,
  type AgentClientToServer,
  type AppError,
  type EventPayload,
  type Rating,
  type StartChat,
  type VisitorClientToServer,
} from '../../../shared/contract';
import { appError, type Result } from './errors';

// Types are not validation: every payload from a client goes through one of these parsers.
// Unknown keys are dropped, so a visitor cannot smuggle `visibility` into its message.

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. Such
 * strings cannot be encoded as UTF-8, so they would break the database or another client later. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s);

/** Bytes that were not valid UTF-8 on the wire (a JSON body) arrive decoded as U+FFFD: the text
 * the client meant is lost, so it is refused like a lone surrogate rather than stored mangled. */
export const hasInvalidText = (s: string): boolean => hasLoneSurrogate(s) || s.includes('\uFFFD');

/**
 * Where the first string that fails `hasInvalidText` sits in a parsed body or query (a dotted
 * path such as `upload.extensions.0`; `''` for the value itself; keys are checked too), or null.
 * Iterative, so a deeply nested body cannot overflow the stack. The one guard of the admin API's
 * bodies (middlewares/valid-text.ts) and of the Content Manager's writes to the plugin's types.
 */
export function findInvalidText(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasInvalidText(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, String(i))]);
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        if (hasInvalidText(k)) return join(path, k);
        stack.push([child, join(path, k)]);
      }
    }
  }
  return null;
}

/** Integer columns are 32-bit on PostgreSQL: a larger id would fail in the database, not here. */
const MAX_INT = 2_147_483_647;

const text = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !hasInvalidText(s), 'Contains invalid characters');

const id = z.number().int().positive().max(MAX_INT);
const seq = z.number().int().min(0).max(MAX_INT);

const isHttpUrl = (s: string) => {
  try {
    const { protocol } = new URL(s);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

export const startChatSchema = z.object({
  name: text(LIMITS.name),
  email: z.string().trim().max(LIMITS.email).email(),
  question: text(LIMITS.question),
  departmentId: id,
  pageUrl: z.string().trim().max(LIMITS.pageUrl).refine(isHttpUrl, 'Must be an http or https URL').optional(),
  locale: z
    .string()
    .trim()
    .max(LIMITS.locale)
    .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/, 'Must be a language tag such as pt-BR')
    .optional(),
});

const clientId = z
  .string()
  .regex(/^[A-Za-z0-9_\-:.]+$/, 'Only letters, digits and _ - : .')
  .min(1)
  .max(LIMITS.clientId);

export const visitorMessageSchema = z.object({ clientId, body: text(LIMITS.messageBody) });

export const agentMessageSchema = visitorMessageSchema.extend({
  chatId: id,
  visibility: z.enum(VISIBILITIES).optional(),
});

export const closeSchema = z.object({
  chatId: id,
  // Empty means "no reason given": the domain picks the default for who closed.
  reason: text(LIMITS.reason, 0).optional(),
  tags: z.array(text(LIMITS.tagLength)).max(LIMITS.tags).optional(),
});

export const transferSchema = z
  .object({ chatId: id, departmentId: id.optional(), agentId: id.optional() })
  .refine((v) => (v.departmentId === undefined) !== (v.agentId === undefined), {
    message: 'Give either a department or an agent',
    path: ['departmentId'],
  });

export const chatRefSchema = z.object({ chatId: id });
export const presenceSchema = z.object({ presence: z.enum(PRESENCES) });
export const visitorSyncSchema = z.object({ afterSeq: seq });
export const agentSyncSchema = z.object({ chatId: id, afterSeq: seq });
export const visitorTypingSchema = z.object({ typing: z.boolean() });
export const agentTypingSchema = z.object({ chatId: id, typing: z.boolean() });
export const visitorAuthSchema = z.object({
  chatId: id,
  token: z.string().min(1).max(256),
  lastSeq: seq.optional(),
});

/** `chat:leave-message`: an optional last message, appended before the chat becomes a left message. */
export const leaveMessageSchema = z.object({ body: text(LIMITS.messageBody).optional() });

/** `POST /chats/:id/rating`. */
export const ratingSchema = z.object({
  rating: z.number().int().min(1).max(5),
  comment: text(LIMITS.ratingComment, 0).optional(),
});

/** `POST /chats/:id/transcript` takes no field: above all no address, the transcript goes only to
 * the chat's own e-mail. */
export const transcriptSchema = z.object({}).strict();

/** Route parameters arrive as strings, socket payloads as numbers. */
const chatIdSchema = z.union([id, z.string().regex(/^[1-9]\d{0,9}$/).transform(Number).pipe(id)]);

const errorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case 'invalid_type':
      return { message: issue.received === 'undefined' ? 'Required' : `Expected ${issue.expected}, got ${issue.received}` };
    case 'too_small':
      if (issue.type === 'string') {
        return { message: issue.minimum === 1 ? 'Must not be empty' : `Must be at least ${issue.minimum} characters` };
      }
      if (issue.type === 'number') {
        return { message: issue.inclusive ? `Must be at least ${issue.minimum}` : `Must be greater than ${issue.minimum}` };
      }
      break;
    case 'too_big':
      if (issue.type === 'string') return { message: `Must be at most ${issue.maximum} characters` };
      if (issue.type === 'array') return { message: `At most ${issue.maximum} items` };
      if (issue.type === 'number') return { message: `Must be at most ${issue.maximum}` };
      break;
    case 'invalid_string':
      if (issue.validation === 'email') return { message: 'Must be a valid e-mail address' };
      break;
    case 'unrecognized_keys':
      return { message: `Unexpected field(s): ${issue.keys.join(', ')}` };
    case 'invalid_enum_value':
      return { message: `Must be one of: ${issue.options.join(', ')}` };
  }
  return { message: ctx.defaultError };
};

function toAppError(error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  let root: string | undefined;
  for (const issue of error.issues) {
    const key = issue.path.join('.');
    if (key === '') root ??= issue.message;
    else fields[key] ??= issue.message;
  }
  const hasFields = Object.keys(fields).length > 0;
  // Its own code, so that the client can say so instead of a generic "invalid".
  if (error.issues.some((i) => i.code === 'too_big' && i.path.join('.') === 'body')) {
    return appError('message_too_long', `Messages are limited to ${LIMITS.messageBody} characters`, fields);
  }
  return appError(
    'validation_failed',
    root === undefined ? 'Some fields are invalid' : `Invalid payload: ${root}`,
    hasFields ? fields : undefined,
  );
}

/** A parser from a zod schema: a value, or the AppError a client sees (fields, clear messages). */
export const parser =
  <S extends z.ZodTypeAny>(schema: S) =>
  (input: unknown): Result<z.output<S>> => {
    const result = schema.safeParse(input, { errorMap });
    return result.success ? { ok: true, value: result.data } : { ok: false, error: toAppError(result.error) };
  };

export const parseStartChat = parser(startChatSchema);
export const parseVisitorMessage = parser(visitorMessageSchema);
export const parseAgentMessage = parser(agentMessageSchema);
export const parseClose = parser(closeSchema);
export const parseTransfer = parser(transferSchema);
export const parseChatRef = parser(chatRefSchema);
export const parseChatId = parser(chatIdSchema);
export const parsePresence = parser(presenceSchema);
export const parseVisitorSync = parser(visitorSyncSchema);
export const parseAgentSync = parser(agentSyncSchema);
export const parseVisitorTyping = parser(visitorTypingSchema);
export const parseAgentTyping = parser(agentTypingSchema);
export const parseVisitorAuth = parser(visitorAuthSchema);
export const parseLeaveMessage = parser(leaveMessageSchema);
export const parseRating = parser(ratingSchema);
export const parseTranscriptRequest = parser(transcriptSchema);

// Compile-time guarantees that what the parsers return is what the contract promises.
type Assert<T extends true> = T;
type Out<S extends z.ZodTypeAny> = z.output<S>;
type ContractChecks = [
  Assert<Out<typeof startChatSchema> extends StartChat.Request ? true : false>,
  Assert<Out<typeof visitorMessageSchema> extends EventPayload<VisitorClientToServer, 'message:send'> ? true : false>,
  Assert<Out<typeof agentMessageSchema> extends EventPayload<AgentClientToServer, 'message:send'> ? true : false>,
  Assert<Out<typeof closeSchema> extends EventPayload<AgentClientToServer, 'chat:close'> ? true : false>,
  Assert<Out<typeof transferSchema> extends EventPayload<AgentClientToServer, 'chat:transfer'> ? true : false>,
  Assert<Out<typeof presenceSchema> extends EventPayload<AgentClientToServer, 'presence:set'> ? true : false>,
  Assert<Out<typeof agentSyncSchema> extends EventPayload<AgentClientToServer, 'messages:sync'> ? true : false>,
  Assert<Out<typeof leaveMessageSchema> extends EventPayload<VisitorClientToServer, 'chat:leave-message'> ? true : false>,
  Assert<Out<typeof ratingSchema> extends Rating.Request ? true : false>,
];
