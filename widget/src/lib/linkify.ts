/** A piece of user text: plain text, or a link the UI may make clickable. */
export type TextPart = { text: string; href?: string };

// Only http(s) URLs become links; anything else (javascript:, data:, mailto:…) stays text.
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that usually ends a sentence rather than a URL.
const TRAILING = /[.,;:!?)\]}]+$/;

export function linkify(input: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of input.matchAll(URL_RE)) {
    let url = m[0];
    const trail = TRAILING.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    const start = m.index ?? 0;
    if (start > last) parts.push({ text: input.slice(last, start) });
    parts.push(safeHref(url) ? { text: url, href: url } : { text: url });
    last = start + url.length;
  }
  if (last < input.length) parts.push({ text: input.slice(last) });
  return parts;
}

function safeHref(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
