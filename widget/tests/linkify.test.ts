import { describe, expect, it } from 'vitest';
import { linkify } from '../src/lib/linkify';

describe('linkify', () => {
  it('makes http and https URLs links, trailing punctuation excluded', () => {
    expect(linkify('veja https://example.com/a?b=1, e http://x.org.')).toEqual([
      { text: 'veja ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', e ' },
      { text: 'http://x.org', href: 'http://x.org' },
      { text: '.' },
    ]);
  });
  it('leaves javascript:, data:, ftp: and HTML as text', () => {
    for (const s of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://x.org/a', '<a href="https://x.org">x</a>']) {
      expect(linkify(s).every((p) => !p.href || /^https?:\/\//.test(p.href)), s).toBe(true);
    }
    expect(linkify('javascript:alert(1)')).toEqual([{ text: 'javascript:alert(1)' }]);
  });
});
