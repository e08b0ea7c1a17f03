import { likePattern, parseHistoryQuery, parseSettingsPatch, replyMail, uploadNarrowingError } from '../../../src/plugins/live-chat/server/src/domain';

const CEILING = { maxBytes: 10 * 1024 * 1024, extensions: ['gif', 'png', 'pdf'] };

test('upload settings may only narrow the ceiling', () => {
  expect(uploadNarrowingError(undefined, CEILING)).toBeNull();
  expect(uploadNarrowingError({ maxBytes: 1024, extensions: ['PDF', '.png'] }, CEILING)).toBeNull();
  expect(uploadNarrowingError({ maxBytes: CEILING.maxBytes + 1 }, CEILING)).toEqual({ 'upload.maxBytes': expect.stringContaining('at most 10485760') });
  expect(uploadNarrowingError({ extensions: ['pdf', 'exe', 'svg'] }, CEILING)).toEqual({ 'upload.extensions': expect.stringContaining('exe, svg') });
});

test('search text is literal inside LIKE', () => {
  expect(likePattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  expect(likePattern('BOLETO')).toBe('%boleto%');
});

test.each([
  [{ page: '2', pageSize: '50', status: 'closed' }, true],
  [{ departmentId: '3', agentId: 4, from: '2024-01-01', to: '2024-02-01T00:00:00Z' }, true],
  [{ page: '1.5' }, false],
  [{ pageSize: '0' }, false],
  [{ status: 'open' }, false],
  [{ from: '01/02/2024' }, false],
  [{ from: '2024-02-01', to: '2024-01-01' }, false],
  [{ unknown: 'x' }, false],
])('history query %j → valid %s', (query, valid) => {
  expect(parseHistoryQuery(query).ok).toBe(valid);
});

test('settings patch: integers in range, known keys only', () => {
  expect(parseSettingsPatch({ agentCap: 2, idleSeconds: 0 }).ok).toBe(true);
  const bad = parseSettingsPatch({ agentCap: -1, extra: true });
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.error.code).toBe('validation_failed');
});

test('the reply e-mail quotes the question and escapes every user text in HTML', () => {
  const mail = replyMail(
    { id: 12, visitorName: 'Zé <b>', departmentName: 'Suporte', question: 'Linha 1\nLinha <2>', queuedAt: '2024-05-01T13:04:00.000Z' },
    'Resposta & <i>fim</i>',
    'Ana'
  );
  expect(mail.subject).toBe('[Suporte] Resposta à sua mensagem (chat #12)');
  expect(mail.text).toContain('Resposta & <i>fim</i>');
  expect(mail.text).toContain('> Linha 1\n> Linha <2>');
  expect(mail.text).toContain('2024-05-01 13:04 UTC');
  expect(mail.html).toContain('Zé &lt;b&gt;');
  expect(mail.html).toContain('Resposta &amp; &lt;i&gt;fim&lt;/i&gt;');
  expect(mail.html).not.toMatch(/<i>|<b>/);
});
