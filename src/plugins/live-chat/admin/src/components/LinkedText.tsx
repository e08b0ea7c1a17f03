import * as React from 'react';

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * User text shown as text (React escapes it); only http/https links become clickable, opened
 * without referrer or opener.
 */
export function LinkedText({ text }: { text: string }) {
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const at = m.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    parts.push(
      <a key={at} href={m[0]} target="_blank" rel="noopener noreferrer nofollow">
        {m[0]}
      </a>
    );
    last = at + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <span style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{parts}</span>;
}
