/**
 * The message hot path skips the connection pool on SQLite when no transaction is open on the
 * connection. A message sent while someone else's transaction is open must wait for it and never
 * become part of it: that transaction rolling back loses nothing of the chat.
 */
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startChat } from '../../helpers/realtime';

let app: TestApp;

beforeAll(async () => {
  app = await startStrapi();
  const base = await listen(app.strapi);
  const agent = agentSocket(base, (await createAgent(app.strapi)).token);
  await next(agent, 'agent:state');
  expect((await send(agent, 'presence:set', { presence: 'online' })).ok).toBe(true);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

test(`a message appended while another transaction is open survives its rollback (${process.env.TEST_DB ?? 'sqlite'})`, async () => {
  const chat = await startChat(app.strapi, { departmentId: await departmentId(app.strapi, 'Suporte') });
  const messages = app.strapi.plugin('live-chat').service('messages');
  const knex = app.strapi.db.connection;
  const before = await knex('departments').where({ name: 'Suporte' }).first('id', 'name');

  // a first append, so that the SQLite fast path knows the connection
  expect((await messages.append({ chatId: chat.chatId, sender: 'visitor', senderName: 'Maria', clientId: 'm1', body: 'primeira' })).ok).toBe(true);

  let appended: Promise<any> | undefined;
  await expect(
    knex.transaction(async (trx) => {
      await trx('departments').where({ id: before.id }).update({ name: 'Suporte (renomeado)' });
      appended = messages.append({ chatId: chat.chatId, sender: 'visitor', senderName: 'Maria', clientId: 'm2', body: 'durante a transação' });
      await new Promise((r) => setImmediate(r));
      throw new Error('roll back');
    })
  ).rejects.toThrow('roll back');

  const res = await appended!;
  expect(res).toMatchObject({ ok: true, message: { seq: expect.any(Number), body: 'durante a transação' } });
  expect((await knex('departments').where({ id: before.id }).first('name')).name).toBe('Suporte'); // rolled back
  const bodies = (await knex('messages').where({ chat_id: chat.chatId }).orderBy('seq').select('body', 'seq')).map((m: { body: string }) => m.body);
  expect(bodies).toEqual(expect.arrayContaining(['primeira', 'durante a transação']));
});
