import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { createAgent } from '../../helpers/realtime';
import { seedAttachment, seedChat } from '../../helpers/history';
import { TERMS_TABLE, TERM_CHATS_TABLE } from '../../../src/plugins/live-chat/server/src/services/terms';

/**
 * Retention (Financeiro keeps 30 days here; other departments forever, the default) and the
 * erasure of one visitor's e-mail.
 */
let app: TestApp;
const NOW = new Date();
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const knex = () => app.strapi.db.connection;
const plugin = () => app.strapi.plugin('live-chat');
const chatRow = (id: number) => knex()('chats').where({ id }).first();
const ids: Record<string, number> = {};

/** an attachment whose bytes are really stored, as the upload provider stores them */
async function storedAttachment(chatId: number, name: string) {
  const attachment = await seedAttachment(app.strapi, chatId, name);
  const file = await app.strapi.db.query('plugin::upload.file').findOne({ where: { name } });
  const stored = path.join(app.uploadsDir, `${file.hash}${file.ext}`);
  fs.mkdirSync(app.uploadsDir, { recursive: true });
  fs.writeFileSync(stored, '%PDF-1.4 test');
  return { attachment, file, stored };
}

let oldFile: string;
let joanaFile: string;

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_SWEEP_INTERVAL_MS: '3600000', LIVE_CHAT_RETENTION_BY_DEPARTMENT: 'Financeiro=30' } });
  const s = app.strapi;
  const base = { acceptedAt: null, agentId: 7, agentName: 'Ana' };
  ids.old = (await seedChat(s, {
    ...base, department: 'Financeiro', name: 'Maria Silva', email: 'maria@example.com', question: 'Segunda via do boleto de março',
    queuedAt: daysAgo(40), acceptedAt: daysAgo(40), closedAt: daysAgo(40), tags: ['boleto'], rating: 4,
    messages: [['visitor', 'Meu CPF é 123, preciso do boleto'], ['agent', 'Segue o boleto, Maria'], ['system', 'chat closed']],
  })).id;
  oldFile = (await storedAttachment(ids.old, 'cpf-maria.pdf')).stored;
  await knex()('messages').where({ chat_id: ids.old, sender: 'system' }).update({ kind: 'event' });
  ids.recent = (await seedChat(s, { department: 'Financeiro', question: 'Boleto de hoje', queuedAt: daysAgo(10), closedAt: daysAgo(10) })).id;
  // still waiting after 45 days (its visitor is connected): open chats are never anonymised
  ids.oldOpen = (await seedChat(s, { department: 'Financeiro', status: 'waiting', question: 'Ainda aberto', queuedAt: daysAgo(45) })).id;
  await s.db.query('api::chat.chat').update({ where: { id: ids.oldOpen }, data: { visitorSeenAt: NOW } });
  ids.oldSupport = (await seedChat(s, { department: 'Suporte', question: 'Suporte antigo', queuedAt: daysAgo(400), closedAt: daysAgo(400) })).id;
  // Joana: two chats to erase, one with a file
  ids.joana1 = (await seedChat(s, { department: 'Comercial', name: 'Joana', email: 'joana@example.com', question: 'Plano anual', queuedAt: daysAgo(5), messages: [['visitor', 'Oi']] })).id;
  ids.joana2 = (await seedChat(s, { department: 'Financeiro', name: 'Joana', email: 'Joana@Example.com', question: 'Boleto da Joana', queuedAt: daysAgo(3) })).id;
  joanaFile = (await storedAttachment(ids.joana2, 'contrato-joana.pdf')).stored;
  await plugin().service('terms').indexPending(new Date(NOW.getTime() + 60_000));
});
afterAll(async () => {
  await app?.stop();
});

describe(`retention (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('reads its policy from the configuration: Financeiro 30 days, the rest forever', async () => {
    const policies = await plugin().service('retention').policies();
    expect(policies.map((p: any) => [p.departmentName, p.days])).toEqual([['Financeiro', 30]]);
  });

  it('the sweeper anonymises ended chats past the age, keeping figures and terms, and logs it', async () => {
    const termsBefore = await knex()(TERMS_TABLE).where({ chat_id: ids.old }).select('term');
    expect(termsBefore.map((t: any) => t.term)).toContain('bolet');
    expect(fs.existsSync(oldFile)).toBe(true);
    const info = jest.spyOn(app.strapi.log, 'info');

    const swept = await plugin().service('sweeper').runOnce(NOW);
    expect(swept.anonymised).toBe(1);
    expect(info.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(/retention: anonymised 1 chats of Financeiro older than 30 days \(1 files removed\)/));
    info.mockRestore();

    const chat = await chatRow(ids.old);
    expect(chat).toMatchObject({ visitor_name: '', visitor_email: '', question: '', token_hash: null, status: 'closed', agent_name: 'Ana', rating: 4 });
    expect(chat.accepted_at).not.toBeNull();
    expect(JSON.parse(typeof chat.tags === 'string' ? chat.tags : JSON.stringify(chat.tags))).toEqual(['boleto']);
    const msgs = await knex()('messages').where({ chat_id: ids.old }).orderBy('seq').select('sender', 'sender_name', 'body', 'kind');
    expect(msgs.map((m: any) => [m.sender, m.body])).toEqual([['visitor', ''], ['agent', ''], ['system', 'chat closed'], ['visitor', '']]);
    expect(msgs.filter((m: any) => m.sender === 'visitor').every((m: any) => m.sender_name === '')).toBe(true);
    expect(Number((await knex()('attachments').where({ chat_id: ids.old }).count({ n: '*' }).first())!.n)).toBe(0);
    expect(fs.existsSync(oldFile)).toBe(false);
    expect(await app.strapi.db.query('plugin::upload.file').findOne({ where: { name: 'cpf-maria.pdf' } })).toBeNull();
    // the terms stay: the trends of past periods still add up
    expect(await knex()(TERMS_TABLE).where({ chat_id: ids.old }).select('term')).toEqual(termsBefore);

    // untouched: recent, still open, and departments without retention
    for (const id of [ids.recent, ids.oldOpen, ids.oldSupport]) expect((await chatRow(id)).visitor_email).toBe('maria@example.com');

    // the next sweeps find nothing more (and run the step at most once a minute)
    expect((await plugin().service('sweeper').runOnce(new Date(NOW.getTime() + 1000))).anonymised).toBe(0);
    expect(await plugin().service('retention').anonymiseOld(NOW)).toBe(0);
  });

  it('the history and analytics still count an anonymised chat', async () => {
    const token = await require('../../helpers/strapi').createApiToken(app.strapi, 'read-only');
    const res = await request(app.strapi.server.httpServer).get(`/api/chats/${(await chatRow(ids.old)).document_id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.data).toMatchObject({ status: 'closed', visitorEmail: '', question: '' });
    const analytics = plugin().service('analytics');
    const fin = await app.strapi.db.query('api::department.department').findOne({ where: { name: 'Financeiro' } });
    const scope = { from: NOW.getTime() - 60 * 86_400_000, to: NOW.getTime(), timeZone: 'America/Sao_Paulo', departmentIds: null, limit: 10, page: 1, pageSize: 25, term: null, departments: [{ id: fin.id, name: 'Financeiro', timeZone: 'America/Sao_Paulo' }] };
    const demands = await analytics.demands(scope);
    const boleto = demands.departments[0].groups.find((g: any) => g.term === 'bolet');
    expect(boleto.count).toBe(3); // the anonymised chat, the recent one and Joana's
    expect(boleto.examples.map((e: any) => e.chatId)).not.toContain(ids.old); // no text left to show
  });
});

describe(`retention set by an admin on the Settings page (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  const put = (token: string, depId: number, body: unknown) =>
    request(app.strapi.server.httpServer).put(`/live-chat/departments/${depId}`).set('Authorization', `Bearer ${token}`).send(body as object);
  const depId = async (name: string) => Number((await app.strapi.db.query('api::department.department').findOne({ where: { name } })).id);
  const policy = async () => (await plugin().service('retention').policies()).map((p: any) => [p.departmentName, p.days]);

  it('refuses what is not a whole number of days from 0 to 36500, and agents without the settings permission', async () => {
    const admin = await createAgent(app.strapi, { superAdmin: true });
    const suporte = await depId('Suporte');
    for (const retentionDays of [-1, 1.5, 36501, '30', true]) {
      const res = await put(admin.token, suporte, { retentionDays });
      expect({ retentionDays, status: res.status, field: Object.keys(res.body.error?.fields ?? {}) }).toEqual({ retentionDays, status: 400, field: ['retentionDays'] });
    }
    const agent = await createAgent(app.strapi, { superAdmin: false });
    expect((await put(agent.token, suporte, { retentionDays: 1 })).status).toBe(403);
    expect(await policy()).toEqual([['Financeiro', 30]]);
  });

  it('overrides the configured default per department, is logged, and drives the sweeper', async () => {
    const admin = await createAgent(app.strapi, { superAdmin: true });
    const info = jest.spyOn(app.strapi.log, 'info');
    const set = await put(admin.token, await depId('Suporte'), { retentionDays: 365 }).expect(200);
    expect(set.body.department).toMatchObject({ name: 'Suporte', retentionDays: 365, retentionDefaultDays: 0 });
    expect(info.mock.calls.map((c) => String(c[0]))).toContainEqual(`[live-chat] retention of Suporte set to 365 days (0 = forever) by admin user ${admin.id}`);
    info.mockRestore();
    // the settings read shows both the setting and the default it replaces
    const read = await request(app.strapi.server.httpServer).get('/live-chat/settings').set('Authorization', `Bearer ${admin.token}`).expect(200);
    expect(read.body.departments.find((d: any) => d.name === 'Financeiro')).toMatchObject({ retentionDays: null, retentionDefaultDays: 30 });
    expect(await policy()).toEqual(expect.arrayContaining([['Financeiro', 30], ['Suporte', 365]]));
    // the 400-day-old Suporte chat goes at the next sweep
    expect(await plugin().service('retention').anonymiseOld(NOW)).toBe(1);
    expect((await chatRow(ids.oldSupport)).visitor_email).toBe('');

    // 0 keeps Financeiro forever despite the environment's 30; null gives the default back
    const fin = await depId('Financeiro');
    await put(admin.token, fin, { retentionDays: 0 }).expect(200);
    expect(await policy()).toEqual([['Suporte', 365]]);
    expect((await put(admin.token, fin, { retentionDays: null }).expect(200)).body.department).toMatchObject({ retentionDays: null, retentionDefaultDays: 30 });
    expect(await policy()).toEqual(expect.arrayContaining([['Financeiro', 30], ['Suporte', 365]]));
  });

  it('is never shown to the public', async () => {
    const res = await request(app.strapi.server.httpServer).get('/api/departments').expect(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const d of res.body.data) expect(d).not.toHaveProperty('retentionDays');
  });
});

describe(`erasure of one visitor's e-mail (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  const erase = (token: string, body: unknown) => request(app.strapi.server.httpServer).post('/live-chat/privacy/erase').set('Authorization', `Bearer ${token}`).send(body as object);

  it('is for admins with the settings permission, with a valid address', async () => {
    const agent = await createAgent(app.strapi, { superAdmin: false });
    expect((await erase(agent.token, { email: 'joana@example.com' })).status).toBe(403);
    await request(app.strapi.server.httpServer).post('/live-chat/privacy/erase').send({ email: 'joana@example.com' }).expect(401);
    const admin = await createAgent(app.strapi, { superAdmin: true });
    for (const body of [{}, { email: 'not-an-email' }, { email: `${'a'.repeat(250)}@x.io` }, { email: 'joana@example.com', all: true }, { email: ['joana@example.com'] }]) {
      const res = await erase(admin.token, body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    expect(Number((await knex()('chats').whereIn('id', [ids.joana1, ids.joana2]).count({ n: '*' }).first())!.n)).toBe(2);
  });

  it('deletes every chat, message, file and term of that e-mail (any case), nothing else, and logs it', async () => {
    const admin = await createAgent(app.strapi, { superAdmin: true });
    const info = jest.spyOn(app.strapi.log, 'info');
    const othersBefore = Number((await knex()('chats').count({ n: '*' }).first())!.n) - 2;
    const res = await erase(admin.token, { email: 'JOANA@example.COM' }).expect(200);
    expect(res.body).toEqual({ ok: true, chats: 2, messages: 2, files: 1 }); // "Oi" and the file message
    const lines = info.mock.calls.map((c) => String(c[0]));
    info.mockRestore();
    expect(lines).toContainEqual(expect.stringMatching(/erasure requested by admin user \d+: deleted 2 chats, 2 messages, 1 files of one visitor/));
    expect(lines.join('\n')).not.toMatch(/joana/i);

    const ids2 = [ids.joana1, ids.joana2];
    for (const [table, column] of [['chats', 'id'], ['messages', 'chat_id'], ['attachments', 'chat_id'], [TERMS_TABLE, 'chat_id'], [TERM_CHATS_TABLE, 'chat_id'], ['messages_chat_lnk', 'chat_id'], ['chats_department_lnk', 'chat_id']]) {
      const n = Number((await knex()(table).whereIn(column, ids2).count({ n: '*' }).first())!.n);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    expect(fs.existsSync(joanaFile)).toBe(false);
    expect(Number((await knex()('chats').count({ n: '*' }).first())!.n)).toBe(othersBefore);
    // nothing left to erase
    expect((await erase(admin.token, { email: 'joana@example.com' }).expect(200)).body).toEqual({ ok: true, chats: 0, messages: 0, files: 0 });
  });
});
