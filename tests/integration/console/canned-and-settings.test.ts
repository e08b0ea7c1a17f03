/**
 * Canned responses (a content type admins manage in the Content Manager, agents read theirs),
 * the transfer directory, and the settings screens' API (admins only; upload rules may only be
 * narrower than the configured ceiling).
 */
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send } from '../../helpers/realtime';

let app: TestApp;
let base: string;
let suporte: number;
let financeiro: number;
let admin: Awaited<ReturnType<typeof createAgent>>;
let agent: Awaited<ReturnType<typeof createAgent>>;

const http = () => request(app.strapi.server.httpServer);
const as = (token: string) => ({
  get: (url: string) => http().get(url).set('Authorization', `Bearer ${token}`),
  put: (url: string, body: unknown) => http().put(url).set('Authorization', `Bearer ${token}`).send(body as object),
  post: (url: string, body: unknown) => http().post(url).set('Authorization', `Bearer ${token}`).send(body as object),
});

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_ORIGINS: 'https://www.example.com,https://shop.example.com' } });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
  admin = await createAgent(app.strapi, { firstname: 'Ada' });
  agent = await createAgent(app.strapi, { superAdmin: false, departments: [suporte], firstname: 'Beto' });
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe('canned responses', () => {
  const UID = 'plugin::live-chat.canned-response';
  const CM = `/content-manager/collection-types/${UID}`;

  test('an admin manages them in the Content Manager; an agent may not', async () => {
    const created = await as(admin.token).post(CM, { title: 'Saudação', shortcut: 'ola', body: 'Olá! Como posso ajudar?' });
    expect(created.status).toBe(201);
    const refused = await as(agent.token).post(CM, { title: 'x', shortcut: 'x', body: 'x' });
    expect(refused.status).toBe(403);
    const invalid = await as(admin.token).post(CM, { title: 'Ruim', shortcut: 'Com Espaço', body: 'x' });
    expect(invalid.status).toBe(400);
  });

  test('an agent reads the active ones of its departments and the ones for every department', async () => {
    const create = (data: object) => app.strapi.db.query(UID).create({ data });
    await create({ title: 'Reset de senha', shortcut: 'senha', body: 'Enviei o link de redefinição.', department: suporte, active: true });
    await create({ title: 'Boleto', shortcut: 'boleto', body: 'Segue a segunda via.', department: financeiro, active: true });
    await create({ title: 'Antiga', shortcut: 'antiga', body: 'Não usar', department: suporte, active: false });
    const res = await as(agent.token).get('/live-chat/canned-responses');
    expect(res.status).toBe(200);
    expect(res.body.results.map((c: any) => c.shortcut)).toEqual(['ola', 'senha']);
    expect(res.body.results[1]).toMatchObject({ title: 'Reset de senha', body: 'Enviei o link de redefinição.', departmentId: suporte });
    expect(res.body.results[0].departmentId).toBeNull();
    // a Super Admin serves every department
    expect((await as(admin.token).get('/live-chat/canned-responses')).body.results.map((c: any) => c.shortcut)).toEqual(['boleto', 'ola', 'senha']);
    expect((await http().get('/live-chat/canned-responses')).status).toBe(401);
  });
});

test('the directory lists departments and agents with their presence', async () => {
  const s = agentSocket(base, agent.token);
  await next(s, 'agent:state');
  expect((await send(s, 'presence:set', { presence: 'online' })).ok).toBe(true);
  const res = await as(admin.token).get('/live-chat/directory');
  expect(res.status).toBe(200);
  expect(res.body.departments.map((d: any) => d.name)).toEqual(expect.arrayContaining(['Suporte', 'Financeiro']));
  expect(res.body.agents).toContainEqual({ id: agent.id, name: 'Beto Test', presence: 'online', departmentIds: [suporte] });
  s.close();
});

describe('settings', () => {
  test('an admin reads everything the settings page shows', async () => {
    const res = await as(admin.token).get('/live-chat/settings');
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({ gracePeriodSeconds: expect.any(Number), upload: { maxBytes: 10 * 1024 * 1024 } });
    expect(res.body.uploadCeiling.extensions).toEqual(['gif', 'jpeg', 'jpg', 'png', 'zip', 'rar', 'xls', 'xlsx', 'doc', 'docx', 'sql', 'pdf']);
    expect(res.body.origins).toEqual(['https://www.example.com', 'https://shop.example.com']);
    expect(res.body.departments.find((d: any) => d.id === suporte)).toMatchObject({ name: 'Suporte', timezone: 'America/Sao_Paulo', agentIds: [agent.id] });
    expect(res.body.agents.map((a: any) => a.id)).toEqual(expect.arrayContaining([admin.id, agent.id]));
  });

  test('writes narrow the upload rules and change the timers; the widget sees them', async () => {
    const res = await as(admin.token).put('/live-chat/settings', {
      waitingLimitSeconds: 120,
      agentCap: 3,
      privacyNotice: 'Aviso novo',
      upload: { maxBytes: 2 * 1024 * 1024, extensions: ['pdf', 'PNG'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({ waitingLimitSeconds: 120, agentCap: 3, privacyNotice: 'Aviso novo', upload: { maxBytes: 2097152, extensions: ['png', 'pdf'] } });
    const widget = await http().get('/api/live-chat/widget-config');
    expect(widget.body.settings).toMatchObject({ waitingLimitSeconds: 120, privacyNotice: 'Aviso novo', upload: { maxBytes: 2097152, extensions: ['png', 'pdf'] } });
    // untouched keys keep their values
    const again = await as(admin.token).put('/live-chat/settings', { idleSeconds: 600 });
    expect(again.body.settings).toMatchObject({ idleSeconds: 600, waitingLimitSeconds: 120, upload: { maxBytes: 2097152 } });
  });

  test('wider upload rules and bad values are refused with the field; nothing changes', async () => {
    const cases: [object, string][] = [
      [{ upload: { maxBytes: 11 * 1024 * 1024 } }, 'upload.maxBytes'],
      [{ upload: { extensions: ['pdf', 'exe'] } }, 'upload.extensions'],
      [{ upload: { extensions: [] } }, 'upload.extensions'],
      [{ gracePeriodSeconds: -1 }, 'gracePeriodSeconds'],
      [{ idleSeconds: 1.5 }, 'idleSeconds'],
      [{ agentCap: '3' }, 'agentCap'],
      [{ privacyNotice: 'x'.repeat(1001) }, 'privacyNotice'],
    ];
    for (const [body, field] of cases) {
      const res = await as(admin.token).put('/live-chat/settings', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.fields ?? {})).toContain(field);
    }
    const unknownKey = await as(admin.token).put('/live-chat/settings', { corsOrigins: ['*'] });
    expect(unknownKey.status).toBe(400);
    const now = await as(admin.token).get('/live-chat/settings');
    expect(now.body.settings.upload).toEqual({ maxBytes: 2097152, extensions: ['png', 'pdf'] });
  });

  test('departments: hours, time zone, address and agents; checked', async () => {
    const res = await as(admin.token).put(`/live-chat/departments/${financeiro}`, {
      timezone: 'America/Manaus',
      businessHours: { mon: [['09:00', '18:00']], sat: [['09:00', '12:00']] },
      notificationEmail: 'financeiro@example.com',
      agentIds: [agent.id],
    });
    expect(res.status).toBe(200);
    expect(res.body.department).toMatchObject({ id: financeiro, timezone: 'America/Manaus', notificationEmail: 'financeiro@example.com', agentIds: [agent.id] });
    // the agent now serves it
    const canned = await as(agent.token).get('/live-chat/canned-responses');
    expect(canned.body.results.map((c: any) => c.shortcut)).toContain('boleto');

    for (const [body, field] of [
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ businessHours: { mon: [['9h', '18:00']] } }, 'businessHours.mon.0.0'],
      [{ businessHours: { funday: [] } }, 'businessHours'],
      [{ notificationEmail: 'not-an-address' }, 'notificationEmail'],
      [{ agentIds: [999999] }, 'agentIds'],
    ] as [object, string][]) {
      const bad = await as(admin.token).put(`/live-chat/departments/${financeiro}`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(Object.keys(bad.body.error.fields ?? {})).toContain(field);
    }
    expect((await as(admin.token).put('/live-chat/departments/99999', { timezone: 'UTC' })).status).toBe(404);
  });

  test('only with the settings permission', async () => {
    expect((await as(agent.token).get('/live-chat/settings')).status).toBe(403);
    expect((await as(agent.token).put('/live-chat/settings', { agentCap: 1 })).status).toBe(403);
    expect((await as(agent.token).put(`/live-chat/departments/${suporte}`, { timezone: 'UTC' })).status).toBe(403);
  });
});
