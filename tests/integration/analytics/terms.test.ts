import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { departmentByName, seedChat } from '../../helpers/history';
import { TERMS_TABLE, TERM_CHATS_TABLE } from '../../../src/plugins/live-chat/server/src/services/terms';
import { listIndexes } from '../../../src/bootstrap/indexes';
import { termsBudget } from '../../../src/plugins/live-chat/server/src/services/sweeper';

/**
 * Terms are extracted off the hot path: a chat's question and its visitor's first text message,
 * by the sweeper's batched step, into a table that SQL aggregates.
 */
let app: TestApp;
const terms = () => app.strapi.plugin('live-chat').service('terms');
const messages = () => app.strapi.plugin('live-chat').service('messages');
const later = (s: number) => new Date(Date.now() + s * 1000);
const termsOf = async (chatId: number, source?: string) =>
  (await terms().ofChat(chatId)).filter((t: any) => !source || t.source === source).map((t: any) => t.term).sort();

beforeAll(async () => {
  // the sweeper must not run on its own timer here: each test drives indexing itself
  app = await startStrapi({ env: { LIVE_CHAT_SWEEP_INTERVAL_MS: '3600000' } });
});
afterAll(async () => {
  await app?.stop();
});

describe(`term extraction (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('creates its tables and indexes at bootstrap, and again idempotently after a restart', async () => {
    const knex = app.strapi.db.connection;
    expect(await knex.schema.hasTable(TERMS_TABLE)).toBe(true);
    expect(await knex.schema.hasTable(TERM_CHATS_TABLE)).toBe(true);
    expect(await listIndexes(app.strapi, TERMS_TABLE)).toEqual(
      expect.arrayContaining(['live_chat_terms_chat_term_uq', 'live_chat_terms_at_dep_term_idx', 'live_chat_terms_term_dep_at_label_idx'])
    );
  });

  it('indexes a started chat\'s question and its visitor\'s first message, only when the sweeper runs', async () => {
    const dep = await departmentByName(app.strapi, 'Financeiro');
    const res = await request(app.strapi.server.httpServer)
      .post('/api/live-chat/chats')
      .send({ name: 'Joana Prado', email: 'joana@example.com', question: 'Olá! Preciso da segunda via do boleto, Joana', departmentId: dep.id })
      .expect(201);
    const chatId = res.body.chatId as number;
    // nobody is online here, so the chat was stored as a left message: open it as if queued
    await app.strapi.db.connection('chats').where({ id: chatId }).update({ status: 'waiting' });
    // nothing on the write paths themselves
    expect(await termsOf(chatId)).toEqual([]);

    const first = await messages().append({ chatId, sender: 'visitor', senderName: 'Joana', clientId: 'm1', body: 'A nota fiscal também não chegou' });
    await messages().append({ chatId, sender: 'visitor', senderName: 'Joana', clientId: 'm2', body: 'Cancelamento do contrato' });
    expect(first.ok).toBe(true);
    expect(await termsOf(chatId)).toEqual([]);

    // the messages are too fresh to be taken yet; the question is taken at once
    const run1 = await terms().indexPending(new Date());
    expect(run1.questions).toBeGreaterThanOrEqual(1);
    expect(await termsOf(chatId, 'question')).toEqual(['bolet', 'segund', 'segund via', 'via', 'via bolet']); // not the visitor's name
    expect(await termsOf(chatId, 'first_message')).toEqual([]);

    const run2 = await terms().indexPending(later(10));
    expect(run2.messages).toBe(2);
    // the first message only: "cancelamento do contrato" was the second
    expect(await termsOf(chatId, 'first_message')).toEqual(['cheg', 'fiscal', 'fiscal cheg', 'not', 'not fiscal']);
    const progress = await app.strapi.db.connection(TERM_CHATS_TABLE).where({ chat_id: chatId }).first();
    expect(Number(progress.first_message_id)).toBe(first.ok ? first.message.id : -1);

    // running again changes nothing
    const before = await app.strapi.db.connection(TERMS_TABLE).count({ n: '*' }).first();
    expect(await terms().indexPending(later(20))).toEqual({ questions: 0, messages: 0, more: false });
    const after = await app.strapi.db.connection(TERMS_TABLE).count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
  });

  it('counts a subject once per chat when the question and first message repeat it', async () => {
    const chat = await seedChat(app.strapi, {
      department: 'Suporte', question: 'Não consigo acessar o painel', queuedAt: new Date().toISOString(),
      messages: [['visitor', 'O painel não abre, não consigo acessar'], ['agent', 'Vou verificar o acesso']],
    });
    await terms().indexPending(later(10));
    const rows = await terms().ofChat(chat.id);
    expect(rows.filter((t: any) => t.term === 'painel')).toHaveLength(1);
    expect(rows.find((t: any) => t.term === 'painel').source).toBe('question');
    // the agent's words are never a visitor's subject
    expect(rows.map((t: any) => t.term)).not.toContain('verific');
    expect(rows.map((t: any) => t.term)).toContain('abre');
  });

  it('indexes in batches until nothing is pending, and is run by the sweeper', async () => {
    for (let i = 0; i < 7; i++) {
      await seedChat(app.strapi, { department: 'Comercial', question: `Orçamento de plano empresarial ${i}`, queuedAt: new Date().toISOString() });
    }
    const first = await terms().indexPending(new Date(), { batch: 3, maxBatches: 1 });
    expect(first.questions).toBe(3);
    const swept = await app.strapi.plugin('live-chat').service('sweeper').runOnce(later(10));
    expect(swept.terms.questions).toBe(4);
    const n = await app.strapi.db.connection(TERMS_TABLE).where({ term: 'orcament' }).count({ n: '*' }).first();
    expect(Number(n!.n)).toBe(7);
  });

  it('backs off while live traffic keeps the event loop busy: one small batch per sweeper run', async () => {
    expect(termsBudget(0.2)).toEqual({ batch: 10, maxBatches: 40, pace: 0.2, budgetMs: 2500 });
    expect(termsBudget(0.9, 1000)).toEqual({ batch: 10, maxBatches: 1, pace: 0.2, budgetMs: 500 });
    const sweeper = app.strapi.plugin('live-chat').service('sweeper');
    await sweeper.runOnce(later(10)); // nothing pending; starts a fresh utilisation window
    for (let i = 0; i < 45; i++) {
      await seedChat(app.strapi, { department: 'Comercial', question: `Renovação do contrato anual ${i}`, queuedAt: new Date().toISOString() });
    }
    // the loop held busy since that run, as by a flood of messages
    const until = performance.now() + 300;
    while (performance.now() < until);
    expect((await sweeper.runOnce(later(10))).terms).toEqual({ questions: 10, messages: 0, more: true });
    // the rest waits for the next runs, none lost
    let swept = 10;
    for (let i = 0; i < 5 && swept < 45; i++) swept += (await sweeper.runOnce(later(10))).terms.questions;
    expect(swept).toBe(45);
  });

  it('takes only its share of the event loop while it runs (pace), whatever the backlog', async () => {
    for (let i = 0; i < 60; i++) {
      await seedChat(app.strapi, { department: 'Suporte', question: `Erro ao emitir a nota fiscal eletrônica ${i}`, queuedAt: new Date().toISOString() });
    }
    const elu0 = performance.eventLoopUtilization();
    const run = await terms().indexPending(later(10), { batch: 5, maxBatches: 20, pace: 0.25 });
    const elu = performance.eventLoopUtilization(elu0);
    expect(run.questions).toBe(60);
    // without the pause between steps (a bare yield) the loop stays busy throughout: utilisation ≈ 1
    expect(elu.utilization).toBeLessThan(0.6);
  });

  it('reaches a first message past a gap of ids wider than its window', async () => {
    const chat = await seedChat(app.strapi, { department: 'Websites', question: 'Domínio', queuedAt: new Date().toISOString() });
    const knex = app.strapi.db.connection;
    const top = await knex('messages').max({ m: 'id' }).first();
    const id = Number(top!.m ?? 0) + 50_000;
    const at = app.db === 'postgres' ? new Date() : Date.now();
    await knex('messages').insert({ id, document_id: `gap${id}`, chat_id: chat.id, seq: 1, sender: 'visitor', kind: 'text', visibility: 'public', body: 'Certificado SSL expirado', created_at: at, updated_at: at });
    let runs = 0;
    while ((await terms().indexPending(later(10))).more && runs < 5) runs++;
    expect(await termsOf(chat.id, 'first_message')).toEqual(['certific', 'certific ssl', 'expir', 'ssl', 'ssl expir']);
  });

  it('retention is off by default: the sweeper leaves old chats as they are', async () => {
    const old = await seedChat(app.strapi, { department: 'Financeiro', question: 'Boleto de 2020', queuedAt: '2020-01-06T12:00:00.000Z', closedAt: '2020-01-06T12:10:00.000Z' });
    expect(await app.strapi.plugin('live-chat').service('retention').policies()).toEqual([]);
    const swept = await app.strapi.plugin('live-chat').service('sweeper').runOnce(later(30));
    expect(swept.anonymised).toBe(0);
    const row = await app.strapi.db.connection('chats').where({ id: old.id }).first();
    expect([row.visitor_email, row.question]).toEqual(['maria@example.com', 'Boleto de 2020']);
  });

  it('keeps the terms across a restart', async () => {
    const before = await app.strapi.db.connection(TERMS_TABLE).count({ n: '*' }).first();
    app = await app.restart();
    const after = await app.strapi.db.connection(TERMS_TABLE).count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    expect(Number(after!.n)).toBeGreaterThan(0);
  });
});
