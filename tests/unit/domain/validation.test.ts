import { LIMITS } from '../../../src/plugins/live-chat/shared/contract';
import {
  findInvalidText,
  hasInvalidText,
  hasLoneSurrogate,
  parseAgentMessage,
  parseAgentSync,
  parseChatId,
  parseChatRef,
  parseClose,
  parsePresence,
  parseStartChat,
  parseTransfer,
  parseVisitorAuth,
  parseVisitorMessage,
  parseVisitorSync,
  parseVisitorTyping,
  type Result,
} from '../../../src/plugins/live-chat/server/src/domain';

const form = {
  name: 'Maria Silva',
  email: 'maria@example.com.br',
  question: 'Como emito a segunda via do boleto?',
  departmentId: 2,
};

const HIGH = '\uD83D';
const LOW = '\uDE00';

function expectError(result: Result<unknown>, code: string, field?: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe(code);
  expect(result.error.message).toEqual(expect.any(String));
  if (field) expect(result.error.fields?.[field]).toEqual(expect.any(String));
}

describe('hasLoneSurrogate', () => {
  it.each<[string, string, boolean]>([
    ['plain', 'olá', false],
    ['a pair (emoji)', '😀 oi', false],
    ['lone high at the end', `oi${HIGH}`, true],
    ['lone high before text', `${HIGH}oi`, true],
    ['lone low', `oi${LOW}`, true],
    ['low before high', `${LOW}${HIGH}`, true],
    ['two highs then a low', `${HIGH}${HIGH}${LOW}`, true],
    ['pair then lone low', `${HIGH}${LOW}${LOW}`, true],
  ])('%s', (_name, s, expected) => {
    expect(hasLoneSurrogate(s)).toBe(expected);
  });
});

describe('hasInvalidText', () => {
  it.each<[string, string, boolean]>([
    ['plain', 'olá', false],
    ['a pair (emoji)', '😀 oi', false],
    ['a lone surrogate', `oi${HIGH}`, true],
    ['U+FFFD (bytes that were not UTF-8)', 'Mar\uFFFDia', true],
  ])('%s', (_name, s, expected) => {
    expect(hasInvalidText(s)).toBe(expected);
  });

  it('is why a start form decoded from bad bytes is refused', () => {
    expectError(parseStartChat({ ...form, name: 'Mar\uFFFD\uFFFDia' }), 'validation_failed', 'name');
  });
});

describe('findInvalidText (the admin API guard)', () => {
  it('finds bad text in values and keys at any depth, with its path; good text, numbers and Buffers pass', () => {
    expect(findInvalidText({ a: 'ok', b: [1, true, null, 'fine 😀'] })).toBeNull();
    expect(findInvalidText('x\uFFFDy')).toBe('');
    expect(findInvalidText({ privacyNotice: 'a\uD800' })).toBe('privacyNotice');
    expect(findInvalidText({ upload: { extensions: ['png', '\uDC00'] } })).toBe('upload.extensions.1');
    expect(findInvalidText({ ['k\uFFFD']: 1 })).toBe('k\uFFFD');
    expect(findInvalidText({ file: Buffer.from([0xff, 0xfe]) })).toBeNull();
    expect(findInvalidText(undefined)).toBeNull();
  });

  it('does not overflow the stack on a deeply nested body', () => {
    let deep: unknown = 'bad \uD800';
    for (let i = 0; i < 100000; i++) deep = [deep];
    expect(findInvalidText(deep)).toMatch(/^(0\.){99999}0$/);
  });
});

describe('parseStartChat', () => {
  it('accepts the form, trimmed, and drops unknown keys', () => {
    const result = parseStartChat({
      ...form,
      name: '  Maria Silva ',
      email: ' maria@example.com.br ',
      pageUrl: 'https://www.example.com/ajuda?x=1',
      locale: 'pt-BR',
      status: 'active',
    });
    expect(result).toEqual({
      ok: true,
      value: { ...form, pageUrl: 'https://www.example.com/ajuda?x=1', locale: 'pt-BR' },
    });
  });

  it.each<[string, unknown, string]>([
    ['missing name', { ...form, name: undefined }, 'name'],
    ['blank name', { ...form, name: '   ' }, 'name'],
    ['name too long', { ...form, name: 'a'.repeat(LIMITS.name + 1) }, 'name'],
    ['name not a string', { ...form, name: 42 }, 'name'],
    ['name with a lone surrogate', { ...form, name: `Maria${HIGH}` }, 'name'],
    ['bad email', { ...form, email: 'maria@' }, 'email'],
    ['email too long', { ...form, email: `${'a'.repeat(250)}@x.com` }, 'email'],
    ['empty question', { ...form, question: '' }, 'question'],
    ['question too long', { ...form, question: 'q'.repeat(LIMITS.question + 1) }, 'question'],
    ['department as a string', { ...form, departmentId: '2' }, 'departmentId'],
    ['department zero', { ...form, departmentId: 0 }, 'departmentId'],
    ['department fractional', { ...form, departmentId: 1.5 }, 'departmentId'],
    ['department huge', { ...form, departmentId: 2 ** 40 }, 'departmentId'],
    ['department NaN', { ...form, departmentId: NaN }, 'departmentId'],
    ['javascript: URL', { ...form, pageUrl: 'javascript:alert(1)' }, 'pageUrl'],
    ['not a URL', { ...form, pageUrl: 'example.com' }, 'pageUrl'],
    ['URL too long', { ...form, pageUrl: `https://x.com/${'a'.repeat(2048)}` }, 'pageUrl'],
    ['bad locale', { ...form, locale: 'pt BR<script>' }, 'locale'],
  ])('refuses %s', (_name, input, field) => {
    expectError(parseStartChat(input), 'validation_failed', field);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['an array', [form]],
    ['a string', JSON.stringify(form)],
    ['a number', 1],
  ])('refuses %s as the payload', (_name, input) => {
    const result = parseStartChat(input);
    expectError(result, 'validation_failed');
    if (!result.ok) expect(result.error.fields).toBeUndefined();
  });

  it('reports every bad field at once', () => {
    const result = parseStartChat({ name: '', email: 'x', question: '', departmentId: -1 });
    if (result.ok) throw new Error('expected an error');
    expect(Object.keys(result.error.fields ?? {}).sort()).toEqual(['departmentId', 'email', 'name', 'question']);
    expect(result.error.fields?.name).toBe('Must not be empty');
    expect(result.error.fields?.email).toBe('Must be a valid e-mail address');
  });

  it('accepts limits exactly', () => {
    const result = parseStartChat({ ...form, name: 'n'.repeat(LIMITS.name), question: 'q'.repeat(LIMITS.question) });
    expect(result.ok).toBe(true);
  });
});

describe('message payloads', () => {
  it.each<[string, unknown]>([
    ['visitor message', { clientId: 'c-1:a.b_C', body: ' olá 😀 ' }],
    ['visitor message at the limit', { clientId: 'x', body: 'b'.repeat(LIMITS.messageBody) }],
    ['surrounding blanks do not count', { clientId: 'x', body: ` ${'b'.repeat(LIMITS.messageBody)} ` }],
  ])('accepts %s', (_name, input) => {
    expect(parseVisitorMessage(input).ok).toBe(true);
  });

  it('trims the body and drops a visitor-supplied visibility', () => {
    expect(parseVisitorMessage({ clientId: 'a', body: ' oi ', visibility: 'agents', chatId: 3 })).toEqual({
      ok: true,
      value: { clientId: 'a', body: 'oi' },
    });
  });

  it('keeps the agent visibility', () => {
    expect(parseAgentMessage({ chatId: 3, clientId: 'a', body: 'nota', visibility: 'agents' })).toEqual({
      ok: true,
      value: { chatId: 3, clientId: 'a', body: 'nota', visibility: 'agents' },
    });
  });

  it.each<[string, unknown, string, string]>([
    ['body too long', { clientId: 'a', body: 'b'.repeat(LIMITS.messageBody + 1) }, 'message_too_long', 'body'],
    ['blank body', { clientId: 'a', body: ' \n\t ' }, 'validation_failed', 'body'],
    ['body not a string', { clientId: 'a', body: { text: 'oi' } }, 'validation_failed', 'body'],
    ['body with a lone surrogate', { clientId: 'a', body: `oi ${LOW}` }, 'validation_failed', 'body'],
    ['missing clientId', { body: 'oi' }, 'validation_failed', 'clientId'],
    ['empty clientId', { clientId: '', body: 'oi' }, 'validation_failed', 'clientId'],
    ['clientId with a space', { clientId: 'a b', body: 'oi' }, 'validation_failed', 'clientId'],
    ['clientId with a slash', { clientId: 'a/b', body: 'oi' }, 'validation_failed', 'clientId'],
    ['clientId too long', { clientId: 'a'.repeat(LIMITS.clientId + 1), body: 'oi' }, 'validation_failed', 'clientId'],
  ])('visitor: refuses %s', (_name, input, code, field) => {
    expectError(parseVisitorMessage(input), code, field);
  });

  it.each<[string, unknown, string]>([
    ['unknown visibility', { chatId: 1, clientId: 'a', body: 'oi', visibility: 'private' }, 'visibility'],
    ['missing chatId', { clientId: 'a', body: 'oi' }, 'chatId'],
    ['chatId as a string', { chatId: '1', clientId: 'a', body: 'oi' }, 'chatId'],
  ])('agent: refuses %s', (_name, input, field) => {
    expectError(parseAgentMessage(input), 'validation_failed', field);
  });
});

describe('close and transfer', () => {
  it.each<[unknown, unknown]>([
    [{ chatId: 1 }, { chatId: 1 }],
    [{ chatId: 1, reason: ' resolved ', tags: [' boleto ', 'nf'] }, { chatId: 1, reason: 'resolved', tags: ['boleto', 'nf'] }],
    [{ chatId: 1, reason: '' }, { chatId: 1, reason: '' }],
  ])('close %j', (input, value) => {
    expect(parseClose(input)).toEqual({ ok: true, value });
  });

  it.each<[string, unknown, string]>([
    ['reason too long', { chatId: 1, reason: 'r'.repeat(LIMITS.reason + 1) }, 'reason'],
    ['too many tags', { chatId: 1, tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) }, 'tags'],
    ['tag too long', { chatId: 1, tags: ['t'.repeat(LIMITS.tagLength + 1)] }, 'tags.0'],
    ['empty tag', { chatId: 1, tags: ['ok', ' '] }, 'tags.1'],
    ['tags not an array', { chatId: 1, tags: 'boleto' }, 'tags'],
    ['tag not a string', { chatId: 1, tags: [1] }, 'tags.0'],
  ])('close refuses %s', (_name, input, field) => {
    expectError(parseClose(input), 'validation_failed', field);
  });

  it.each<[unknown, boolean]>([
    [{ chatId: 1, departmentId: 2 }, true],
    [{ chatId: 1, agentId: 3 }, true],
    [{ chatId: 1, departmentId: 2, agentId: 3 }, false],
    [{ chatId: 1 }, false],
    [{ chatId: 1, agentId: 0 }, false],
  ])('transfer %j → %s', (input, ok) => {
    const result = parseTransfer(input);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.error.code).toBe('validation_failed');
  });
});

describe('small payloads', () => {
  it.each<[string, (input: unknown) => Result<unknown>, unknown, boolean]>([
    ['chatRef', parseChatRef, { chatId: 5 }, true],
    ['chatRef negative', parseChatRef, { chatId: -5 }, false],
    ['chatId number', parseChatId, 12, true],
    ['chatId route param', parseChatId, '12', true],
    ['chatId zero string', parseChatId, '0', false],
    ['chatId leading zero', parseChatId, '012', false],
    ['chatId hex', parseChatId, '0x1f', false],
    ['chatId huge string', parseChatId, '99999999999', false],
    ['chatId float', parseChatId, 1.5, false],
    ['presence online', parsePresence, { presence: 'online' }, true],
    ['presence busy', parsePresence, { presence: 'busy' }, false],
    ['sync from zero', parseVisitorSync, { afterSeq: 0 }, true],
    ['sync negative', parseVisitorSync, { afterSeq: -1 }, false],
    ['sync as string', parseVisitorSync, { afterSeq: '3' }, false],
    ['agent sync', parseAgentSync, { chatId: 1, afterSeq: 9 }, true],
    ['agent sync without chat', parseAgentSync, { afterSeq: 9 }, false],
    ['typing', parseVisitorTyping, { typing: true }, true],
    ['typing as string', parseVisitorTyping, { typing: 'yes' }, false],
    ['visitor auth', parseVisitorAuth, { chatId: 1, token: 'abc', lastSeq: 4 }, true],
    ['visitor auth without token', parseVisitorAuth, { chatId: 1 }, false],
    ['visitor auth array', parseVisitorAuth, [1, 'abc'], false],
  ])('%s', (_name, parse, input, ok) => {
    const result = parse(input);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.error.code).toBe('validation_failed');
  });

  it('parseChatId turns a route param into a number', () => {
    expect(parseChatId('12')).toEqual({ ok: true, value: 12 });
  });
});
