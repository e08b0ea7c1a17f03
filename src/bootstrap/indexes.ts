import type { Core } from '@strapi/strapi';

/**
 * Indexes for the hot queries and the uniqueness rules that live on plain columns.
 * Strapi runs database/migrations before it creates its own tables, so on a fresh database a
 * migration could not create these: they are created here, idempotently, at every bootstrap.
 * Strapi's schema sync ignores indexes it did not create, so they survive restarts.
 */
export interface IndexSpec {
  name: string;
  table: string;
  columns: string[];
  unique?: boolean;
  /** an index on an expression instead (written as is), e.g. lower("visitor_email") */
  expression?: string;
}

export const INDEXES: readonly IndexSpec[] = [
  // the queue: waiting chats of a department in arrival order
  { name: 'chats_queue_idx', table: 'chats', columns: ['department_id', 'status', 'queued_at'] },
  { name: 'chats_visitor_seen_idx', table: 'chats', columns: ['status', 'visitor_seen_at'] },
  { name: 'chats_status_queued_idx', table: 'chats', columns: ['status', 'queued_at'] },
  { name: 'chats_agent_status_idx', table: 'chats', columns: ['agent_id', 'status'] },
  { name: 'chats_visitor_email_idx', table: 'chats', columns: ['visitor_email'] },
  // analytics and history: the chats of a period (issue 8), per department
  { name: 'chats_queued_dep_idx', table: 'chats', columns: ['queued_at', 'department_id'] },
  // all chats of one e-mail in any case (Strapi's $eqi is LOWER(col) = LOWER(?))
  { name: 'chats_visitor_email_lower_idx', table: 'chats', columns: ['visitor_email'], expression: 'lower("visitor_email")' },
  { name: 'chats_token_hash_uq', table: 'chats', columns: ['token_hash'], unique: true },
  // history: a chat's messages in order; one sequence number and one client id per chat
  { name: 'messages_chat_seq_uq', table: 'messages', columns: ['chat_id', 'seq'], unique: true },
  { name: 'messages_chat_client_uq', table: 'messages', columns: ['chat_id', 'client_id'], unique: true },
  { name: 'attachments_chat_idx', table: 'attachments', columns: ['chat_id'] },
];

export async function ensureIndexes(strapi: Core.Strapi, specs: readonly IndexSpec[] = INDEXES) {
  const knex = strapi.db.connection;
  for (const spec of specs) {
    const cols = spec.expression ?? spec.columns.map((c) => `"${c}"`).join(', ');
    await knex.raw(
      `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${spec.name}" ON "${spec.table}" (${cols})`
    );
  }
}

/** Names of the indexes that exist on a table (for tests and diagnostics). */
export async function listIndexes(strapi: Core.Strapi, table: string): Promise<string[]> {
  const knex = strapi.db.connection;
  if (strapi.db.dialect.client === 'postgres') {
    const res = await knex.raw('SELECT indexname AS name FROM pg_indexes WHERE tablename = ?', [table]);
    return res.rows.map((r: { name: string }) => r.name);
  }
  const rows = await knex.raw(`PRAGMA index_list("${table}")`);
  return rows.map((r: { name: string }) => r.name);
}
