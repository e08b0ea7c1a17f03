import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { extractTerms, type ExtractedTerm } from '../domain/terms';
import { knexOf, PLUGIN_ID, toDbTime } from '../utils';

/** One row per (chat, subject): SQL counts chats per term with COUNT(*). */
export const TERMS_TABLE = 'live_chat_terms';
/** Which chats were indexed, and which message was their visitor's first. */
export const TERM_CHATS_TABLE = 'live_chat_term_chats';

const CURSOR_KEY = 'terms-message-cursor';
/** a message is indexed once it is this old: a write still being committed is never skipped */
const SETTLE_MS = 5000;
/** chat ids below the highest indexed one by less than this are looked at again (late commits) */
const CHAT_ID_MARGIN = 1000;
/** each query looks at most this many ids ahead: a bounded index range whatever the plan (a
 * catch-up over a large history must not re-read every remaining row at every batch) */
const ID_WINDOW = 20_000;

export type TermSource = 'question' | 'first_message';

interface Source {
  chatId: number;
  departmentId: number;
  at: unknown;
  text: string;
  locale: string | null;
  visitorName: string | null;
}

/**
 * Term extraction, off the message hot path: nothing is done when a chat starts or a message is
 * stored. The sweeper calls `indexPending` on every run (every few seconds); it takes the new
 * chats' questions and the visitors' first text messages in batches, extracts their terms (pure
 * domain code) and writes them in one transaction per batch. Idempotent and safe on several nodes
 * at once: the progress rows are claimed with conditional writes and the terms are unique per chat.
 */
const createTermsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID, key: CURSOR_KEY });

  const rowsFor = (s: Source, terms: ExtractedTerm[], source: TermSource) =>
    terms.map((t) => ({ chat_id: s.chatId, department_id: s.departmentId, term: t.term, label: t.label, kind: t.kind, source, at: s.at }));

  const insertTerms = async (trx: Knex | Knex.Transaction, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += 100) {
      await trx(TERMS_TABLE).insert(rows.slice(i, i + 100)).onConflict(['chat_id', 'term']).ignore();
    }
  };

  /** whether the last indexFirstMessages moved its cursor past messages it did not count */
  let movedOver = false;

  const service = {
    /** Creates the two tables and their indexes if missing (every bootstrap; several nodes may race). */
    async ensureTables() {
      const k = knex();
      const create = async (name: string, build: (t: Knex.CreateTableBuilder) => void) => {
        if (await k.schema.hasTable(name)) return;
        try {
          await k.schema.createTable(name, build);
        } catch (err) {
          if (!(await k.schema.hasTable(name))) throw err; // another node created it meanwhile
        }
      };
      await create(TERMS_TABLE, (t) => {
        t.increments('id');
        t.integer('chat_id').notNullable();
        t.integer('department_id').notNullable();
        t.string('term', 120).notNullable();
        t.string('label', 160).notNullable();
        t.string('kind', 8).notNullable();
        t.string('source', 16).notNullable();
        // the chat's queued_at, in the same format as Strapi's datetimes
        t.datetime('at', { useTz: false, precision: 6 }).notNullable();
        t.unique(['chat_id', 'term'], { indexName: 'live_chat_terms_chat_term_uq' });
        // the aggregate over a short period (covering)
        t.index(['at', 'department_id', 'term'], 'live_chat_terms_at_dep_term_idx');
      });
      // a group's chats, its count and most common wording, all from the index alone
      await k.raw(`CREATE INDEX IF NOT EXISTS live_chat_terms_term_dep_at_label_idx ON ${TERMS_TABLE} (term, department_id, at, label)`);
      await create(TERM_CHATS_TABLE, (t) => {
        t.integer('chat_id').primary();
        t.integer('first_message_id').nullable();
      });
    },

    /**
     * Indexes what is pending, a few batches at most; returns how many texts were indexed.
     * `pace` (0 < pace ≤ 1) is the share of the event loop this may take: after a step that kept
     * the loop for d ms, it waits d × (1/pace − 1) ms on a timer, so that live messages are
     * served between steps instead of queueing behind a burst of batches (at 1, it only yields).
     * `budgetMs` ends the run early (more: true) once that much time has passed, `cancelled` as
     * soon as it says so (the node is shutting down).
     */
    async indexPending(now = new Date(), opts: { batch?: number; maxBatches?: number; pace?: number; budgetMs?: number; cancelled?: () => boolean } = {}) {
      const batch = opts.batch ?? 500;
      const pace = Math.min(1, Math.max(0.01, opts.pace ?? 1));
      const started = performance.now();
      let questions = 0;
      let messages = 0;
      // a step on SQLite runs without returning to the event loop (its queries resolve as
      // microtasks): its duration is the time the loop was held
      const step = async <T>(fn: () => Promise<T>): Promise<T> => {
        const t = performance.now();
        const out = await fn();
        const held = performance.now() - t;
        await new Promise((r) => (pace < 1 ? setTimeout(r, Math.min(1000, held * (1 / pace - 1))) : setImmediate(r)));
        return out;
      };
      for (let i = 0; i < (opts.maxBatches ?? 4); i++) {
        if (i > 0 && ((opts.budgetMs !== undefined && performance.now() - started > opts.budgetMs) || opts.cancelled?.())) break;
        const q = await step(() => service.indexQuestions(batch));
        const m = await step(() => service.indexFirstMessages(now, batch));
        questions += q;
        messages += m;
        // a cursor moved over a window without texts is progress too: go on
        if (q < batch && m < batch && !movedOver) return { questions, messages, more: false };
      }
      // stopped by maxBatches or budgetMs: the next run goes on
      return { questions, messages, more: true };
    },

    /** The questions of chats not indexed yet (in id order). */
    async indexQuestions(batch = 500): Promise<number> {
      const k = knex();
      const top = await k(TERM_CHATS_TABLE).max({ m: 'chat_id' }).first();
      const from = Math.max(0, Number(top?.m ?? 0) - CHAT_ID_MARGIN);
      const pending = (lo: number, hi: number | null, limit: number) => {
        const q = k('chats as c').leftJoin(`${TERM_CHATS_TABLE} as t`, 't.chat_id', 'c.id').whereNull('t.chat_id').andWhere('c.id', '>', lo);
        if (hi !== null) q.andWhere('c.id', '<=', hi);
        return q.orderBy('c.id', 'asc').limit(limit);
      };
      let rows = await pending(from, from + ID_WINDOW, batch).select('c.id', 'c.department_id', 'c.queued_at', 'c.question', 'c.locale', 'c.visitor_name');
      if (rows.length === 0) {
        // nothing in the window: the next unindexed chat further on, if any (a gap of ids)
        const next = await pending(from + ID_WINDOW, null, 1).select('c.id');
        if (next.length === 0) return 0;
        const lo = Number(next[0].id) - 1;
        rows = await pending(lo, lo + ID_WINDOW, batch).select('c.id', 'c.department_id', 'c.queued_at', 'c.question', 'c.locale', 'c.visitor_name');
      }
      // extracted before the transaction: on SQLite the transaction holds the only connection,
      // and every message being sent waits for it
      const terms = rows.flatMap((r: any) =>
        rowsFor(
          { chatId: Number(r.id), departmentId: Number(r.department_id), at: r.queued_at, text: r.question ?? '', locale: r.locale, visitorName: r.visitor_name },
          extractTerms(r.question ?? '', { locale: r.locale, exclude: r.visitor_name }),
          'question'
        )
      );
      await k.transaction(async (trx) => {
        const progress = rows.map((r: any) => ({ chat_id: Number(r.id), first_message_id: null }));
        for (let i = 0; i < progress.length; i += 200) {
          await trx(TERM_CHATS_TABLE).insert(progress.slice(i, i + 200)).onConflict('chat_id').ignore();
        }
        await insertTerms(trx, terms);
      });
      return rows.length;
    },

    /**
     * The visitors' first text messages, after a cursor on the message id. A message is taken once
     * it has settled (SETTLE_MS) and once its chat is indexed; the cursor stops before the first
     * one that is not, so nothing is skipped.
     */
    async indexFirstMessages(now = new Date(), batch = 500): Promise<number> {
      const k = knex();
      const cursor = Number((await store().get({})) ?? 0) || 0;
      const upper = cursor + ID_WINDOW;
      const rows = await k('messages as m')
        .join('chats as c', 'c.id', 'm.chat_id')
        .leftJoin(`${TERM_CHATS_TABLE} as t`, 't.chat_id', 'm.chat_id')
        .where('m.id', '>', cursor)
        .andWhere('m.id', '<=', upper)
        .andWhere({ 'm.sender': 'visitor', 'm.kind': 'text', 'm.visibility': 'public' })
        .orderBy('m.id', 'asc')
        .limit(batch)
        .select('m.id', 'm.chat_id', 'm.body', 'm.created_at', 't.chat_id as indexed', 't.first_message_id', 'c.department_id', 'c.queued_at', 'c.locale', 'c.visitor_name');
      let last = cursor;
      let done = 0;
      let stopped = false;
      const claimed = new Set<number>();
      const terms: Record<string, unknown>[] = [];
      const claims: { chatId: number; messageId: number }[] = [];
      for (const r of rows as any[]) {
        const created = r.created_at instanceof Date ? r.created_at.getTime() : typeof r.created_at === 'number' ? r.created_at : Date.parse(String(r.created_at));
        if (r.indexed === null || r.indexed === undefined || !(created <= now.getTime() - SETTLE_MS)) {
          stopped = true;
          break;
        }
        last = Number(r.id);
        done++;
        const chatId = Number(r.chat_id);
        if (r.first_message_id !== null && r.first_message_id !== undefined) continue;
        if (claimed.has(chatId)) continue;
        claimed.add(chatId);
        claims.push({ chatId, messageId: Number(r.id) });
        terms.push(
          ...rowsFor(
            { chatId, departmentId: Number(r.department_id), at: r.queued_at, text: r.body ?? '', locale: r.locale, visitorName: r.visitor_name },
            extractTerms(r.body ?? '', { locale: r.locale, exclude: r.visitor_name }),
            'first_message'
          )
        );
      }
      if (!stopped && rows.length < batch) {
        // no visitor's text waits in the window: move past what has settled (agents' messages,
        // other visitors' later ones), or over a gap of ids to the next message
        const settled = await k('messages').where('id', '>', last).andWhere('id', '<=', upper).andWhere('created_at', '<', toDbTime(strapi, new Date(now.getTime() - SETTLE_MS))).max({ m: 'id' }).first();
        if (settled?.m) last = Math.max(last, Number(settled.m));
        else if (rows.length === 0) {
          const next = await k('messages').where('id', '>', upper).min({ m: 'id' }).first();
          if (next?.m) last = Math.max(last, Number(next.m) - 1);
        }
      }
      movedOver = last > cursor && done < batch && last >= cursor + 1 && (rows.length === 0 || last > Number((rows as any[])[rows.length - 1].id));
      if (last === cursor) return 0;
      await k.transaction(async (trx) => {
        const won = new Set<number>();
        for (const c of claims) {
          const n = await trx(TERM_CHATS_TABLE).where({ chat_id: c.chatId }).whereNull('first_message_id').update({ first_message_id: c.messageId });
          if (n === 1) won.add(c.chatId);
        }
        await insertTerms(trx, terms.filter((t) => won.has(t.chat_id as number)));
      });
      // only forward: a slower node never moves the cursor back
      const current = Number((await store().get({})) ?? 0) || 0;
      if (last > current) await store().set({ value: last });
      return done;
    },

    /** The terms of some chats (tests and diagnostics). */
    async ofChat(chatId: number): Promise<{ term: string; label: string; kind: string; source: string }[]> {
      return knex()(TERMS_TABLE).where({ chat_id: chatId }).orderBy('id', 'asc').select('term', 'label', 'kind', 'source');
    },
  };
  return service;
};

export type TermsService = ReturnType<typeof createTermsService>;
export default createTermsService;
