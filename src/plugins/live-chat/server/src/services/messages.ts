import type { Core } from '@strapi/strapi';
import type { AppError, MessageDto, MessageKind, Sender, Visibility } from '../../../shared/contract';
import { fromDbTime, getService, isPostgres, isUniqueViolation, knexOf, newDocumentId, toDbTime } from '../utils';

export interface NewMessage {
  chatId: number;
  sender: Sender;
  senderName: string | null;
  agentId?: number | null;
  clientId: string | null;
  body: string;
  kind?: MessageKind;
  visibility?: Visibility;
}

const toDto = (r: any): MessageDto => ({
  id: Number(r.id),
  chatId: Number(r.chat_id),
  seq: Number(r.seq),
  clientId: r.client_id ?? null,
  sender: r.sender,
  senderName: r.sender_name ?? null,
  kind: r.kind,
  visibility: r.visibility,
  body: r.body ?? '',
  createdAt: fromDbTime(r.created_at)!,
});

/** Statuses in which a chat still takes messages. */
const OPEN = ['waiting', 'active'];

export interface AppendCondition {
  /** only if the chat is active and with this agent (an agent's public reply) */
  agentId?: number;
}

type Appended = { id: number; seq: number; chatAgentId: number | null };

const INSERT_COLUMNS =
  'document_id, chat_id, seq, client_id, chat_client_key, sender, sender_name, agent_id, kind, visibility, body, created_at, updated_at, published_at';

// the chat row's UPDATE takes the next sequence number and serialises writers of one chat
const SQLITE_UPDATE = `UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ?,
  first_agent_reply_at = CASE WHEN ? = 1 THEN COALESCE(first_agent_reply_at, ?) ELSE first_agent_reply_at END
  WHERE id = ? AND (CASE WHEN ? IS NULL THEN status IN ('waiting', 'active') ELSE status = 'active' AND agent_id = ? END)
  RETURNING last_seq, agent_id`;

// PostgreSQL: the whole append in one atomic statement, one round trip
const PG_APPEND = `WITH c AS (
    UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ?,
      first_agent_reply_at = CASE WHEN ? THEN COALESCE(first_agent_reply_at, ?) ELSE first_agent_reply_at END
    WHERE id = ? AND (CASE WHEN ?::int IS NULL THEN status IN ('waiting', 'active') ELSE status = 'active' AND agent_id = ? END)
    RETURNING last_seq, agent_id
  ), m AS (
    INSERT INTO messages (${INSERT_COLUMNS})
    -- parameters in a SELECT list have no type of their own: cast them to the columns' types
    SELECT ?::varchar, ?::int, c.last_seq, ?::varchar, ?::varchar, ?::varchar, ?::varchar, ?::int, ?::varchar, ?::varchar, ?::text,
      ?::timestamp, ?::timestamp, ?::timestamp FROM c
    RETURNING id, seq
  ), l AS (
    INSERT INTO messages_chat_lnk (message_id, chat_id, message_ord) SELECT id, ?::int, seq FROM m
  )
  SELECT m.id, m.seq, c.agent_id FROM m, c`;

/** Prepared statements per better-sqlite3 connection, prepared once. */
const sqliteStatements = new WeakMap<object, { run: (args: unknown[]) => Appended | null }>();

function sqliteAppender(db: any) {
  let cached = sqliteStatements.get(db);
  if (!cached) {
    const update = db.prepare(SQLITE_UPDATE);
    const insert = db.prepare(`INSERT INTO messages (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const link = db.prepare('INSERT INTO messages_chat_lnk (message_id, chat_id, message_ord) VALUES (?, ?, ?)');
    const tx = db.transaction((args: any[]) => {
      const [at, isReply, chatId, onlyAgent, documentId, clientId, key, sender, senderName, agentId, kind, visibility, body] = args;
      const row = update.get(at, isReply ? 1 : 0, at, chatId, onlyAgent, onlyAgent);
      if (!row) return null;
      const seq = Number(row.last_seq);
      const info = insert.run(documentId, chatId, seq, clientId, key, sender, senderName, agentId, kind, visibility, body, at, at, at);
      link.run(info.lastInsertRowid, chatId, seq);
      return { id: Number(info.lastInsertRowid), seq, chatAgentId: row.agent_id === null ? null : Number(row.agent_id) };
    });
    cached = { run: (args) => tx(args) };
    sqliteStatements.set(db, cached);
  }
  return cached;
}

/**
 * The message hot path, below the Document Service (several times slower) and below knex's
 * query building: on SQLite one synchronous better-sqlite3 transaction over statements prepared
 * once; on PostgreSQL one statement. The chat's next sequence number comes from an
 * UPDATE ... RETURNING on the chat row, which also serialises writers of the same chat; the
 * unique (chat_id, client_id) index makes a retried send fail and return the stored message.
 */
const createMessagesService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);

  const insertRow = async (m: NewMessage, cond: AppendCondition, now: Date): Promise<Appended | null> => {
    const isReply = m.sender === 'agent' && (m.visibility ?? 'public') === 'public';
    const values = [
      newDocumentId(),
      m.clientId,
      m.clientId ? `${m.chatId}:${m.clientId}` : null,
      m.sender,
      m.senderName,
      m.agentId ?? null,
      m.kind ?? 'text',
      m.visibility ?? 'public',
      m.body,
    ];
    const onlyAgent = cond.agentId ?? null;
    if (isPostgres(strapi)) {
      const res = await knex().raw(PG_APPEND, [now, isReply, now, m.chatId, onlyAgent, onlyAgent, values[0], m.chatId, ...values.slice(1), now, now, now, m.chatId]);
      const row = res.rows[0];
      return row ? { id: Number(row.id), seq: Number(row.seq), chatAgentId: row.agent_id === null ? null : Number(row.agent_id) } : null;
    }
    const args = [now.getTime(), isReply, m.chatId, onlyAgent, ...values];
    // Through the pool's acquire/release, although better-sqlite3 is synchronous: running the
    // transaction directly when no transaction is open on the connection cut the allocations per
    // message by 15 % but gave 270-450 ms event-loop stalls at 1,000 msg/s (docs/performance.md).
    const client = (knex() as any).client;
    const db = await client.acquireConnection();
    try {
      return sqliteAppender(db).run(args);
    } finally {
      await client.releaseConnection(db);
    }
  };

  const service = {
    async append(
      m: NewMessage,
      cond: AppendCondition = {},
      now = new Date()
    ): Promise<{ ok: true; message: MessageDto; duplicate: boolean; chatAgentId: number | null } | { ok: false; error: AppError }> {
      let row: Appended | null;
      try {
        row = await insertRow(m, cond, now);
      } catch (err) {
        // the same client id again (a retry, or two sends at once): answer with the stored one
        if (m.clientId && isUniqueViolation(err)) {
          const existing = await service.byClientId(m.chatId, m.clientId);
          if (existing) return { ok: true, message: existing, duplicate: true, chatAgentId: await service.chatAgent(m.chatId) };
        }
        throw err;
      }
      if (!row) {
        const chat = await knex()('chats').where({ id: m.chatId }).first('status', 'agent_id');
        if (!chat) return { ok: false, error: { code: 'not_found', message: 'No such chat' } };
        if (!OPEN.includes(chat.status)) return { ok: false, error: { code: 'chat_closed', message: 'This chat is over: messages can no longer be sent' } };
        if (chat.status !== 'active') return { ok: false, error: { code: 'invalid_state', message: 'Accept the chat before replying' } };
        return { ok: false, error: { code: 'forbidden', message: 'This chat is with another agent' } };
      }
      const message: MessageDto = {
        id: row.id,
        chatId: m.chatId,
        seq: row.seq,
        clientId: m.clientId,
        sender: m.sender,
        senderName: m.senderName,
        kind: m.kind ?? 'text',
        visibility: m.visibility ?? 'public',
        body: m.body,
        createdAt: now.toISOString(),
      };
      return { ok: true, message, duplicate: false, chatAgentId: row.chatAgentId };
    },

    async chatAgent(chatId: number): Promise<number | null> {
      const row = await knex()('chats').where({ id: chatId }).first('agent_id');
      return row?.agent_id ? Number(row.agent_id) : null;
    },

    async byClientId(chatId: number, clientId: string): Promise<MessageDto | null> {
      const row = await knex()('messages').where({ chat_id: chatId, client_id: clientId }).first();
      return row ? toDto(row) : null;
    },

    /** Messages written at or after `since`, in order (what a node re-delivers to its own
     * sockets after its Redis link came back: broadcasts of that time may have been lost). */
    async since(chatId: number, since: Date, audience: 'visitor' | 'agent'): Promise<MessageDto[]> {
      const first = await knex()('messages').where({ chat_id: chatId }).andWhere('created_at', '>=', toDbTime(strapi, since)).min({ seq: 'seq' }).first();
      if (first?.seq === null || first?.seq === undefined) return [];
      return service.after(chatId, Number(first.seq) - 1, audience);
    },

    /** Messages after a sequence number, in order; visitors never get agents-only notes. */
    async after(chatId: number, afterSeq: number, audience: 'visitor' | 'agent', limit = 1000): Promise<MessageDto[]> {
      const q = knex()('messages').where({ chat_id: chatId }).andWhere('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit);
      if (audience === 'visitor') q.andWhere({ visibility: 'public' });
      // file messages carry their attachment (name, type, size; the URL is asked for separately)
      return getService(strapi, 'files').withAttachments((await q.select()).map(toDto));
    },
  };
  return service;
};

export type MessagesService = ReturnType<typeof createMessagesService>;
export default createMessagesService;
