import http from 'http';
import type { AddressInfo } from 'net';
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { createAgent } from '../../helpers/realtime';
import { departmentByName, seedChat, type SeedChat } from '../../helpers/history';

/**
 * The analytics endpoints on a small history whose figures are worked out by hand below
 * (São Paulo is UTC−3 all year; Websites is set to Asia/Tokyo, UTC+9).
 */
let app: TestApp;
let admin: { id: number; token: string };
let agentOnly: { token: string };
let analystOfSupport: { token: string };
const ids: Record<string, number> = {};
const api = () => request(app.strapi.server.httpServer);
const get = (path: string, token = admin.token) => api().get(`/live-chat${path}`).set('Authorization', `Bearer ${token}`);

// the development team's webhook: a real local HTTP server
const received: { body: any; headers: http.IncomingHttpHeaders }[] = [];
let webhookStatus = 202;
const webhook = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    received.push({ body: JSON.parse(data), headers: req.headers });
    res.statusCode = webhookStatus;
    res.end('{}');
  });
});

/** São Paulo wall time → ISO instant */
const sp = (local: string, plusSeconds = 0) => new Date(Date.parse(`${local.replace(' ', 'T')}:00.000-03:00`) + plusSeconds * 1000).toISOString();

// Financeiro, November 2026: [question, status, São Paulo time, wait s, first reply s, duration s, agent, rating, tags]
type Row = [string, SeedChat['status'], string, number?, number?, number?, ('Ana' | 'Bruno')?, (number | null)?, string[]?];
const FIN_NOVEMBER: Row[] = [
  ['Segunda via do boleto', 'closed', '2026-11-02 09:00', 30, 10, 300, 'Ana', 5, ['boleto']],
  ['Boleto vencido', 'closed', '2026-11-02 10:15', 60, 20, 300, 'Ana', 5, ['Boleto']],
  ['Não recebi o boleto', 'closed', '2026-11-03 14:00', 90, 30, 300, 'Ana', 4, ['boleto']],
  ['Boleto com valor errado', 'closed', '2026-11-03 14:30', 120, 40, 300, 'Ana', null, ['boleto']],
  ['Como pagar o boleto?', 'closed', '2026-11-09 09:10', 150, 50, 600, 'Bruno', 2, ['boleto']],
  ['Preciso do boleto de novembro', 'missed', '2026-11-10 23:30'],
  ['Nota fiscal de outubro', 'closed', '2026-11-16 09:45', 180, 60, 600, 'Ana', null, ['nota-fiscal']],
  ['Emissão de nota fiscal', 'closed', '2026-11-16 11:00', 240, 70, 600, 'Bruno', 3, ['nota-fiscal']],
  ['Reembolso de cobrança duplicada', 'left_message', '2026-11-20 08:00'],
  ['Nota fiscal errada', 'closed', '2026-11-23 15:00', 600, 80, 600, 'Bruno', null, ['nota-fiscal']],
  ['Onde baixo a nota fiscal?', 'missed', '2026-11-30 23:59'],
];
// the previous 30 days (2 Oct 00:00 to 31 Oct 23:59:59 São Paulo): 2 boleto, 4 nota fiscal
const FIN_OCTOBER: [string, string, string[]][] = [
  ['Boleto atrasado', '2026-10-10 10:00', ['boleto']],
  ['Segunda via boleto', '2026-10-11 10:00', []],
  ['Nota fiscal de setembro', '2026-10-12 10:00', ['nota-fiscal']],
  ['Nota fiscal cancelada', '2026-10-13 10:00', ['nota-fiscal']],
  ['Nota fiscal sem CNPJ', '2026-10-20 10:00', ['nota-fiscal']],
  ['Nota fiscal duplicada', '2026-10-31 23:59', []],
];
const AGENTS = { Ana: 101, Bruno: 102 };
const NOVEMBER = '?from=2026-11-01&to=2026-11-30';

beforeAll(async () => {
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const port = (webhook.address() as AddressInfo).port;
  app = await startStrapi({ env: { LIVE_CHAT_SWEEP_INTERVAL_MS: '3600000', LIVE_CHAT_DEVELOPMENT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/demands` } });
  const s = app.strapi;
  const fin = await departmentByName(s, 'Financeiro');
  const sup = await departmentByName(s, 'Suporte');
  const web = await departmentByName(s, 'Websites');
  ids.fin = fin.id;
  ids.sup = sup.id;
  ids.web = web.id;
  ids.com = (await departmentByName(s, 'Comercial')).id;
  await s.db.query('api::department.department').update({ where: { id: web.id }, data: { timezone: 'Asia/Tokyo' } });

  for (const [question, status, at, wait, reply, duration, agent, rating, tags] of FIN_NOVEMBER) {
    const queuedAt = sp(at);
    const accepted = wait !== undefined ? sp(at, wait) : null;
    const chat = await seedChat(s, {
      department: 'Financeiro',
      question,
      status,
      queuedAt,
      acceptedAt: accepted,
      firstAgentReplyAt: accepted ? sp(at, wait! + reply!) : null,
      closedAt: accepted ? sp(at, wait! + duration!) : status === 'left_message' ? queuedAt : sp(at, 60),
      agentId: agent ? AGENTS[agent] : null,
      agentName: agent ?? null,
      rating: rating ?? null,
      tags: tags ?? [],
    });
    ids[question] = chat.id;
  }
  for (const [question, at, tags] of FIN_OCTOBER) await seedChat(s, { department: 'Financeiro', question, queuedAt: sp(at), tags });
  // outside both periods: 1 October (before the previous period) and 1 December
  await seedChat(s, { department: 'Financeiro', question: 'Boleto antigo', queuedAt: sp('2026-10-01 10:00'), tags: ['boleto'] });
  await seedChat(s, { department: 'Financeiro', question: 'Boleto de dezembro', queuedAt: sp('2026-12-01 00:00'), tags: ['boleto'] });
  // Websites in Tokyo: 10 Nov 20:00 UTC is 11 Nov there; 30 Nov 16:00 UTC is already 1 Dec there
  await seedChat(s, { department: 'Websites', question: 'Site fora do ar', status: 'missed', queuedAt: '2026-11-10T20:00:00.000Z' });
  await seedChat(s, { department: 'Websites', question: 'Domínio expirado', status: 'missed', queuedAt: '2026-11-30T16:00:00.000Z' });
  // Suporte: one chat, waited 10 s, rated 1 by Ana
  await seedChat(s, {
    department: 'Suporte', question: 'Não consigo acessar o painel', queuedAt: sp('2026-11-05 10:00'), acceptedAt: sp('2026-11-05 10:00', 10),
    firstAgentReplyAt: sp('2026-11-05 10:00', 15), closedAt: sp('2026-11-05 10:00', 100), agentId: AGENTS.Ana, agentName: 'Ana', rating: 1,
  });
  // terms, as the sweeper extracts them
  await s.plugin('live-chat').service('terms').indexPending(new Date(Date.now() + 60_000), { maxBatches: 10 });

  admin = await createAgent(s, { superAdmin: true });
  agentOnly = await createAgent(s, { superAdmin: false, departments: [fin.id] });
  // an admin role with the analytics action only, whose user serves Suporte
  const role = await s.db.query('admin::role').create({ data: { name: 'Analyst', code: 'analyst', description: 'analytics' } });
  await s.db.query('admin::permission').create({
    data: { action: 'plugin::live-chat.analytics', actionParameters: {}, subject: null, properties: {}, conditions: [], role: role.id },
  });
  const analyst = await createAgent(s, { superAdmin: false, departments: [sup.id] });
  await s.db.query('admin::user').update({ where: { id: analyst.id }, data: { roles: [role.id] } });
  analystOfSupport = analyst;
});
afterAll(async () => {
  await app?.stop();
  await new Promise((r) => webhook.close(r));
});

describe(`analytics endpoints (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('answers only admins with the analytics permission, for the departments they may see', async () => {
    await api().get('/live-chat/analytics/volume').expect(401);
    const denied = await get('/analytics/volume', agentOnly.token);
    expect(denied.status).toBe(403);
    const other = await get(`/analytics/service${NOVEMBER}&departmentIds=${ids.fin}`, analystOfSupport.token);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('not_serving_department');
    const own = await get(`/analytics/service${NOVEMBER}`, analystOfSupport.token).expect(200);
    expect(own.body.rows.map((r: any) => r.departmentName)).toEqual(['All', 'Suporte']);
    expect(own.body.rows[1].wait).toEqual({ n: 1, p50: 10, p90: 10, avg: 10 });
  });

  it('refuses bad input with clear codes and messages', async () => {
    for (const [query, field] of [
      ['from=2026-13-01', 'from'],
      ['from=2026-02-30', 'from'],
      ['from=yesterday', 'from'],
      ['from=2026-11-30&to=2026-11-01', 'from'],
      ['from=2020-01-01&to=2026-11-01', 'to'],
      ['timeZone=Mars/Olympus', 'timeZone'],
      ['departmentIds=abc', 'departmentIds'],
      ['departmentIds=1,,2', 'departmentIds'],
      ['limit=0', 'limit'],
      ['limit=51', 'limit'],
      ['limit=1e3', 'limit'],
      ['sort=desc', 'sort'],
      ['from=2026-11-01&from=2026-11-02', 'from'],
      [`from=${'9'.repeat(50)}`, 'from'],
    ]) {
      const res = await get(`/analytics/volume?${query}`);
      expect({ query, status: res.status, code: res.body.error?.code, field: Object.keys(res.body.error?.fields ?? {}) }).toEqual({
        query, status: 400, code: 'validation_failed', field: [field],
      });
      expect(res.body.error.message).toMatch(new RegExp(`^${field}: `));
    }
    const missing = await get('/analytics/volume?departmentIds=99999');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    const noTerm = await get('/analytics/demands/chats');
    expect([noTerm.status, noTerm.body.error.fields]).toEqual([400, { term: 'Required' }]);
    const badTerm = await get('/analytics/demands/chats?term=DROP%20TABLE;');
    expect(badTerm.status).toBe(400);
  });

  it('volume: chats per local day of each department and per department, by final status', async () => {
    const res = await get(`/analytics/volume${NOVEMBER}&departmentIds=${ids.fin},${ids.web}`).expect(200);
    expect(res.body.range).toEqual({ from: '2026-11-01T03:00:00.000Z', to: '2026-12-01T03:00:00.000Z', previousFrom: '2026-10-02T03:00:00.000Z' });
    const daily = res.body.daily.map((r: any) => [r.day, r.departmentName, r.total, r.closed, r.missed, r.left_message]);
    expect(daily).toEqual([
      ['2026-11-02', 'Financeiro', 2, 2, 0, 0],
      ['2026-11-03', 'Financeiro', 2, 2, 0, 0],
      ['2026-11-09', 'Financeiro', 1, 1, 0, 0],
      ['2026-11-10', 'Financeiro', 1, 0, 1, 0], // 23:30 in São Paulo, already the 11th in UTC
      ['2026-11-11', 'Websites', 1, 0, 1, 0], // Tokyo's day
      ['2026-11-16', 'Financeiro', 2, 2, 0, 0],
      ['2026-11-20', 'Financeiro', 1, 0, 0, 1],
      ['2026-11-23', 'Financeiro', 1, 1, 0, 0],
      ['2026-11-30', 'Financeiro', 1, 0, 1, 0],
      ['2026-12-01', 'Websites', 1, 0, 1, 0], // 30 Nov 16:00 UTC is 1 Dec in Tokyo
    ]);
    expect(res.body.departments).toEqual([
      { departmentId: ids.fin, departmentName: 'Financeiro', timeZone: 'America/Sao_Paulo', waiting: 0, active: 0, closed: 8, missed: 2, left_message: 1, answered: 0, total: 11 },
      { departmentId: ids.web, departmentName: 'Websites', timeZone: 'Asia/Tokyo', waiting: 0, active: 0, closed: 0, missed: 2, left_message: 0, answered: 0, total: 2 },
    ]);
  });

  it('service: waits, first replies and durations (p50, p90), shares missed and left', async () => {
    const res = await get(`/analytics/service${NOVEMBER}&departmentIds=${ids.fin}`).expect(200);
    const [all, fin] = res.body.rows;
    expect(all.departmentId).toBeNull();
    expect(fin).toEqual({
      departmentId: ids.fin, departmentName: 'Financeiro',
      chats: 11, accepted: 8, missed: 2, leftMessages: 1,
      missedShare: 0.182, leftShare: 0.091, // 2/11, 1/11
      // waits 30 60 90 120 150 180 240 600: p50 between 120 and 150; p90 at rank 6.3: 240 + 0.3 × 360
      wait: { n: 8, p50: 135, p90: 348, avg: 183.8 },
      // 10 … 80: p50 45; p90 70 + 0.3 × 10
      firstReply: { n: 8, p50: 45, p90: 73, avg: 45 },
      // four of 300 s and four of 600 s
      duration: { n: 8, p50: 450, p90: 600, avg: 450 },
    });
    expect({ ...all, departmentId: ids.fin, departmentName: 'Financeiro' }).toEqual(fin);

    const both = await get(`/analytics/service${NOVEMBER}&departmentIds=${ids.fin},${ids.sup}`).expect(200);
    // nine waits: 10 30 60 90 120 150 180 240 600 → p50 the 5th (120); p90 rank 7.2: 240 + 0.2 × 360
    expect(both.body.rows[0].wait).toEqual({ n: 9, p50: 120, p90: 312, avg: 164.4 });
    expect(both.body.rows[0].chats).toBe(12);
  });

  it('hours: the busiest hours of the week, in local time', async () => {
    const res = await get(`/analytics/hours${NOVEMBER}&departmentIds=${ids.fin}`).expect(200);
    expect(res.body.cells).toEqual([
      { weekday: 1, hour: 9, chats: 3 }, // Mondays 2, 9 and 16 Nov around 09:00
      { weekday: 1, hour: 10, chats: 1 },
      { weekday: 1, hour: 11, chats: 1 },
      { weekday: 1, hour: 15, chats: 1 },
      { weekday: 1, hour: 23, chats: 1 },
      { weekday: 2, hour: 14, chats: 2 },
      { weekday: 2, hour: 23, chats: 1 },
      { weekday: 5, hour: 8, chats: 1 },
    ]);
  });

  it('agents: chats, first replies and ratings per agent', async () => {
    const res = await get(`/analytics/agents${NOVEMBER}`).expect(200);
    expect(res.body.rows).toEqual([
      // Ana: five Financeiro chats and Suporte's (reply 5 s); replies 10 20 30 40 60 and 5
      { agentId: 101, agentName: 'Ana', chats: 6, closed: 6, firstReply: { n: 6, p50: 25, p90: 50, avg: 27.5 }, rated: 4, ratingAvg: 3.75 },
      { agentId: 102, agentName: 'Bruno', chats: 3, closed: 3, firstReply: { n: 3, p50: 70, p90: 78, avg: 66.7 }, rated: 2, ratingAvg: 2.5 },
    ]);
  });

  it('satisfaction by department and by agent', async () => {
    const res = await get(`/analytics/satisfaction${NOVEMBER}`).expect(200);
    expect(res.body.departments).toEqual([
      { departmentId: ids.fin, departmentName: 'Financeiro', rated: 5, avg: 3.8, distribution: [0, 1, 1, 1, 2] },
      { departmentId: ids.sup, departmentName: 'Suporte', rated: 1, avg: 1, distribution: [1, 0, 0, 0, 0] },
    ]);
    expect(res.body.agents).toEqual([
      { agentId: 101, agentName: 'Ana', rated: 4, avg: 3.75, distribution: [1, 0, 0, 1, 2] },
      { agentId: 102, agentName: 'Bruno', rated: 2, avg: 2.5, distribution: [0, 1, 1, 0, 0] },
    ]);
  });

  it('recurring demands: tags and subjects ranked per department, with trend and examples', async () => {
    const res = await get(`/analytics/demands${NOVEMBER}&departmentIds=${ids.fin}&limit=5`).expect(200);
    const [fin] = res.body.departments;
    expect(fin.chats).toBe(11);
    expect(fin.tags).toEqual([
      { tag: 'boleto', count: 5, trend: { previous: 1, change: 4, changeRatio: 4, direction: 'up' } },
      { tag: 'nota-fiscal', count: 3, trend: { previous: 3, change: 0, changeRatio: 0, direction: 'flat' } },
    ]);
    const [first, second] = fin.groups;
    expect(first).toMatchObject({ term: 'bolet', title: 'boleto', count: 6, trend: { previous: 2, change: 4, changeRatio: 2, direction: 'up' } });
    expect(first.examples.map((e: any) => e.question)).toEqual(['Preciso do boleto de novembro', 'Como pagar o boleto?', 'Boleto com valor errado']);
    expect(second).toMatchObject({ term: 'not fiscal', title: 'nota fiscal', count: 4, trend: { previous: 4, change: 0, direction: 'flat' } });
    expect(second.variants).toEqual(expect.arrayContaining(['fiscal', 'not']));
    expect(fin.groups.length).toBeLessThanOrEqual(5);
    // each group once: no group repeats a subject already shown
    expect(fin.groups.map((g: any) => g.term)).not.toContain('not');

    // drill-down into the chats of a group
    const chats = await get(`/analytics/demands/chats${NOVEMBER}&departmentIds=${ids.fin}&term=bolet&pageSize=4&page=2`).expect(200);
    expect(chats.body.pagination).toEqual({ page: 2, pageSize: 4, total: 6, pageCount: 2 });
    expect(chats.body.data.map((c: any) => c.question)).toEqual(['Boleto vencido', 'Segunda via do boleto']);
  });

  it('exports each table as CSV', async () => {
    const demands = await get(`/analytics/export/demands${NOVEMBER}&departmentIds=${ids.fin}&limit=2`).expect(200);
    expect(demands.headers['content-type']).toMatch(/^text\/csv/);
    expect(demands.headers['content-disposition']).toBe('attachment; filename="live-chat-demands-2026-11-01-2026-11-30.csv"');
    const lines = demands.text.trim().split('\r\n');
    expect(lines[0]).toBe('departmentId,departmentName,term,title,count,previous,change,direction,variants,exampleChatIds,exampleQuestions');
    expect(lines[1]).toMatch(new RegExp(`^${ids.fin},Financeiro,bolet,boleto,6,2,4,up,`));
    expect(lines).toHaveLength(3);

    const service = await get(`/analytics/export/service.csv${NOVEMBER}&departmentIds=${ids.fin}`).expect(200);
    expect(service.text.split('\r\n')[2]).toBe(`${ids.fin},Financeiro,11,8,2,1,0.182,0.091,8,135,348,183.8,8,45,73,45,8,450,600,450`);

    for (const table of ['volume-daily', 'volume-departments', 'hours', 'agents', 'tags', 'satisfaction-departments', 'satisfaction-agents']) {
      const res = await get(`/analytics/export/${table}${NOVEMBER}`);
      expect({ table, status: res.status, rows: res.text.trim().split('\r\n').length > 1 }).toEqual({ table, status: 200, rows: true });
    }
    const hours = await get(`/analytics/export/hours${NOVEMBER}&departmentIds=${ids.fin}`);
    expect(hours.text.split('\r\n').slice(0, 2)).toEqual(['weekday,hour,chats', '1,9,3']);
    const unknown = await get('/analytics/export/passwords');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
  });

  it('sends a recurring demand to the development webhook', async () => {
    const res = await api()
      .post('/live-chat/analytics/demands/send')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ departmentId: ids.fin, term: 'not fiscal', from: '2026-11-01', to: '2026-11-30' })
      .expect(200);
    expect(res.body.webhookStatus).toBe(202);
    expect(received).toHaveLength(1);
    const { body, headers } = received[0];
    expect(headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({
      source: 'live-chat', kind: 'recurring-demand', department: 'Financeiro', title: 'nota fiscal', term: 'not fiscal', count: 4,
      trend: { previous: 4, change: 0, direction: 'flat' },
      range: { from: '2026-11-01T03:00:00.000Z', to: '2026-12-01T03:00:00.000Z' },
    });
    expect(body.examples.map((e: any) => e.chatId)).toEqual([ids['Onde baixo a nota fiscal?'], ids['Nota fiscal errada'], ids['Emissão de nota fiscal'], ids['Nota fiscal de outubro']]);
    // no personal data leaves for development
    expect(JSON.stringify(body)).not.toMatch(/@example\.com|Maria Silva/);

    webhookStatus = 500;
    const failed = await api().post('/live-chat/analytics/demands/send').set('Authorization', `Bearer ${admin.token}`).send({ departmentId: ids.fin, term: 'bolet', from: '2026-11-01', to: '2026-11-30' });
    expect([failed.status, failed.body.error.code]).toEqual([502, 'webhook_failed']);
    expect(received).toHaveLength(2);
    webhookStatus = 202;

    const none = await api().post('/live-chat/analytics/demands/send').set('Authorization', `Bearer ${admin.token}`).send({ departmentId: ids.fin, term: 'inexistente', from: '2026-11-01', to: '2026-11-30' });
    expect([none.status, none.body.error.code]).toEqual([404, 'not_found']);
    for (const body of [{ term: 'bolet' }, { departmentId: '1', term: 'bolet' }, { departmentId: ids.fin, term: 'bolet', extra: 1 }, { departmentId: ids.fin, term: 42 }]) {
      const bad = await api().post('/live-chat/analytics/demands/send').set('Authorization', `Bearer ${admin.token}`).send(body);
      expect({ body, status: bad.status, code: bad.body.error?.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    const forbidden = await api().post('/live-chat/analytics/demands/send').set('Authorization', `Bearer ${agentOnly.token}`).send({ departmentId: ids.fin, term: 'bolet' });
    expect(forbidden.status).toBe(403);
    expect(received).toHaveLength(2);
  });
});
