import { afterCloseRefusal, escapeHtml, leftMessageMail, oneLine, transcriptMail } from '../../../src/plugins/live-chat/server/src/domain';
import { parseLeaveMessage, parseRating, parseTranscriptRequest } from '../../../src/plugins/live-chat/server/src/domain';

const chat = {
  id: 7,
  visitorName: 'Zé <img src=x onerror=alert(1)>',
  visitorEmail: 'ze@example.com',
  departmentName: 'Suporte',
  question: 'A & B <b>"c"</b>\nsegunda linha',
  queuedAt: '2024-05-01T13:04:00.000Z',
};
const lines = [{ sender: 'visitor' as const, senderName: null, body: '<script>x</script>', createdAt: '2024-05-01T13:05:00.000Z' }];

describe('mail composition', () => {
  it('escapes every user text in the HTML and keeps it as is in the text', () => {
    for (const mail of [leftMessageMail(chat, lines), transcriptMail(chat, lines)]) {
      expect(mail.html).not.toMatch(/<script>|<img|<b>"c"/);
      expect(mail.html).toContain('&lt;script&gt;x&lt;/script&gt;');
      expect(mail.html).toContain('A &amp; B &lt;b&gt;&quot;c&quot;&lt;/b&gt;');
      expect(mail.text).toContain(chat.question);
      expect(mail.text).toContain('<script>x</script>');
      expect(mail.subject).not.toMatch(/[\r\n]/);
    }
    expect(leftMessageMail(chat, lines).text).toContain('ze@example.com');
  });

  it('helpers', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(oneLine('a\r\nBcc: x@y\n b', 100)).toBe('a Bcc: x@y b');
    expect(oneLine('x'.repeat(10), 5)).toBe('xxxx…');
  });
});

describe('after the closing', () => {
  const now = new Date('2024-05-02T00:00:00.000Z');
  it('only over chats, only within the window', () => {
    expect(afterCloseRefusal({ status: 'active', closedAt: null }, 60, now)?.code).toBe('invalid_state');
    expect(afterCloseRefusal({ status: 'waiting', closedAt: null }, 60, now)?.code).toBe('invalid_state');
    expect(afterCloseRefusal({ status: 'closed', closedAt: '2024-05-01T23:59:30.000Z' }, 60, now)).toBeNull();
    expect(afterCloseRefusal({ status: 'left_message', closedAt: '2024-05-01T23:59:30.000Z' }, 60, now)).toBeNull();
    expect(afterCloseRefusal({ status: 'missed', closedAt: '2024-05-01T23:58:00.000Z' }, 60, now)?.code).toBe('expired');
  });
});

describe('parsers', () => {
  it('rating 1..5 integer, comment ≤ 1000', () => {
    expect(parseRating({ rating: 5, comment: 'ok' }).ok).toBe(true);
    for (const bad of [{ rating: 0 }, { rating: 6 }, { rating: 'x' }, { rating: 2.5 }, {}, null, { rating: 3, comment: 'a'.repeat(1001) }]) {
      const r = parseRating(bad);
      expect(r.ok ? 'ok' : r.error.code).toBe('validation_failed');
    }
  });
  it('transcript takes no field (no address)', () => {
    expect(parseTranscriptRequest({}).ok).toBe(true);
    expect(parseTranscriptRequest({ email: 'a@b.c' }).ok).toBe(false);
  });
  it('leave message: optional body', () => {
    expect(parseLeaveMessage({}).ok).toBe(true);
    expect(parseLeaveMessage({ body: 'oi' }).ok).toBe(true);
    expect(parseLeaveMessage({ body: '' }).ok).toBe(false);
    expect(parseLeaveMessage({ body: 3 }).ok).toBe(false);
  });
});
