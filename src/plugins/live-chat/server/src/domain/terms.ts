import { eng, por } from 'stopword';
import * as snowball from 'snowball-stemmers';

/**
 * The subjects of a visitor's question: meaning-bearing words and two-word phrases, reduced to a
 * stable key so that "boletos", "boleto" and "Boleto" count as one subject. Stop words are the
 * Portuguese and English lists of the `stopword` package; stems come from the Snowball
 * Portuguese or English stemmer (`snowball-stemmers`). Keys are folded to ASCII after stemming,
 * so a visitor typing "emissao" meets one typing "emissão".
 *
 * Pure: no database, no clock. The plugin stores the result per chat (table live_chat_terms) and
 * SQL aggregates it.
 */
export type TermKind = 'word' | 'phrase';

export interface ExtractedTerm {
  /** the grouping key: a stem, or two stems joined by a space */
  term: string;
  /** how the visitor wrote it (lower case), for display: "nota fiscal", "segunda via do boleto" */
  label: string;
  kind: TermKind;
}

export interface ExtractOptions {
  /** the chat's locale: `en…` stems in English, anything else in Portuguese (the product's first language) */
  locale?: string | null;
  /** words never to keep, e.g. the visitor's own name (terms outlive anonymisation) */
  exclude?: string | null;
  /** at most this many terms per text (the first ones) */
  maxTerms?: number;
}

export const TERM_LIMITS = { term: 120, label: 160, minWordLength: 3, maxWordLength: 40, maxTerms: 40 } as const;

export const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');

const STOP = new Set<string>([...por, ...eng].flatMap((w) => [w.toLowerCase(), fold(w.toLowerCase())]));

/**
 * Courtesy and filler that every support chat opens with ("olá, bom dia, preciso de ajuda"):
 * not stop words of the language, but they carry no subject. Kept short on purpose.
 */
const CHAT_FILLER = new Set(
  ['ola', 'oi', 'bom', 'boa', 'dia', 'tarde', 'noite', 'obrigado', 'obrigada', 'favor', 'ajuda', 'ajudar', 'preciso', 'gostaria', 'queria', 'hello', 'hi', 'please', 'thanks', 'help', 'need']
);

const stemmers = new Map<string, { stem(word: string): string }>();
const stemmer = (lang: 'portuguese' | 'english') => {
  let s = stemmers.get(lang);
  if (!s) {
    s = snowball.newStemmer(lang) as { stem(word: string): string };
    stemmers.set(lang, s);
  }
  return s;
};

// what is never a subject and may be personal: addresses, links, anything with a digit (phones,
// document numbers, amounts, dates)
const URL_OR_EMAIL = /\b(?:https?:\/\/|www\.)\S+|\S+@\S+/giu;
const CLAUSE = /[.,;:!?()\[\]{}"“”«»\n\r\t…|/\\]+/u;
const WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;

interface Token {
  word: string;
  stem: string | null; // null: a stop word (kept for phrase labels)
}

export function extractTerms(text: string, options: ExtractOptions = {}): ExtractedTerm[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const lang = /^en\b/i.test(options.locale ?? '') ? 'english' : 'portuguese';
  const stem = stemmer(lang);
  const excluded = new Set(
    (options.exclude ?? '')
      .toLocaleLowerCase('pt-BR')
      .split(/[^\p{L}]+/u)
      .filter(Boolean)
      .map(fold)
  );
  const max = Math.max(1, Math.min(options.maxTerms ?? TERM_LIMITS.maxTerms, 200));
  const out = new Map<string, ExtractedTerm>();
  const add = (t: ExtractedTerm) => {
    if (!out.has(t.term) && t.term.length <= TERM_LIMITS.term) out.set(t.term, { ...t, label: t.label.slice(0, TERM_LIMITS.label) });
  };

  const cleaned = text.slice(0, 10_000).normalize('NFC').toLocaleLowerCase('pt-BR').replace(URL_OR_EMAIL, ' . ');
  for (const clause of cleaned.split(CLAUSE)) {
    const tokens: Token[] = [];
    for (const [word] of clause.matchAll(WORD)) {
      const folded = fold(word);
      const meaningful =
        word.length >= TERM_LIMITS.minWordLength &&
        word.length <= TERM_LIMITS.maxWordLength &&
        !/\d/.test(word) &&
        !STOP.has(word) &&
        !STOP.has(folded) &&
        !CHAT_FILLER.has(folded) &&
        !excluded.has(folded);
      tokens.push({ word, stem: meaningful ? fold(stem.stem(word)) : null });
    }
    // words, then the phrases of two meaningful words with only stop words between them
    // ("segunda via do boleto" → "segund via", "via bolet")
    let prev = -1;
    tokens.forEach((t, i) => {
      if (!t.stem) return;
      add({ term: t.stem, label: t.word, kind: 'word' });
      if (prev >= 0 && i - prev <= 3) {
        const p = tokens[prev];
        if (p.stem !== t.stem) {
          add({
            term: `${p.stem} ${t.stem}`,
            label: tokens.slice(prev, i + 1).map((x) => x.word).join(' '),
            kind: 'phrase',
          });
        }
      }
      prev = i;
    });
  }
  // phrases first in the cap: they say more than their words
  return [...out.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'phrase' ? -1 : 1)).slice(0, max);
}

// -------------------------------------------------------------------------------------------
// Grouping the aggregated terms into recurring demands
// -------------------------------------------------------------------------------------------

export interface TermCount {
  term: string;
  kind: TermKind;
  label: string;
  /** chats in the period */
  current: number;
  /** chats in the previous period of the same length */
  previous: number;
}

export interface Trend {
  previous: number;
  change: number;
  /** relative change; null when the previous period had none */
  changeRatio: number | null;
  direction: 'up' | 'down' | 'flat' | 'new';
}

export interface DemandGroup {
  /** the term that names the group (its key for drill-down and for "send to development") */
  term: string;
  kind: TermKind;
  title: string;
  count: number;
  trend: Trend;
  /** the other terms folded into this group (same subject seen through another word or phrase) */
  variants: string[];
}

export function trendOf(current: number, previous: number): Trend {
  const change = current - previous;
  return {
    previous,
    change,
    changeRatio: previous > 0 ? Math.round((change / previous) * 1000) / 1000 : null,
    direction: previous === 0 ? (current > 0 ? 'new' : 'flat') : change > 0 ? 'up' : change < 0 ? 'down' : 'flat',
  };
}

/**
 * Ranks terms into groups, biggest first. A term that shares a stem with a group's key terms and
 * is counted by at least half as many chats is the same subject seen through another word: it is
 * folded into that group as a variant instead of being listed again ("nota fiscal" absorbs
 * "nota" and "fiscal"; "boleto vencido" with 10 chats stays apart from "boleto" with 50). A
 * variant counted almost as often as the group (80 %) lends its stems to the group's key, and a
 * phrase that nearly equals its word's count names the group (it says more).
 */
export function groupDemands(rows: readonly TermCount[], limit: number): DemandGroup[] {
  const sorted = [...rows]
    .filter((r) => r.current > 0)
    .sort((a, b) => b.current - a.current || (a.kind === b.kind ? 0 : a.kind === 'phrase' ? -1 : 1) || a.term.localeCompare(b.term));
  const groups: (DemandGroup & { keys: Set<string> })[] = [];
  for (const row of sorted) {
    const stems = row.term.split(' ');
    const home = groups.find((g) => stems.some((s) => g.keys.has(s)) && row.current >= 0.5 * g.count);
    if (home) {
      const close = row.current >= 0.8 * home.count;
      if (close && row.kind === 'phrase' && home.kind === 'word') {
        home.variants.push(home.term);
        Object.assign(home, { term: row.term, kind: row.kind, title: row.label, count: row.current, trend: trendOf(row.current, row.previous) });
      } else {
        home.variants.push(row.term);
      }
      if (close) stems.forEach((s) => home.keys.add(s));
      continue;
    }
    if (groups.length >= limit) continue;
    groups.push({
      term: row.term,
      kind: row.kind,
      title: row.label,
      count: row.current,
      trend: trendOf(row.current, row.previous),
      variants: [],
      keys: new Set(stems),
    });
  }
  return groups
    .sort((a, b) => b.count - a.count || a.term.localeCompare(b.term))
    .map(({ keys: _keys, ...g }) => g);
}
