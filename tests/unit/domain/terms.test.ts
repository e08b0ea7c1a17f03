import { extractTerms, groupDemands, trendOf, type TermCount } from '../../../src/plugins/live-chat/server/src/domain/terms';

const terms = (text: string, opts = {}) => extractTerms(text, opts).map((t) => t.term);
const words = (text: string, opts = {}) => extractTerms(text, opts).filter((t) => t.kind === 'word').map((t) => t.term);

describe('extractTerms', () => {
  it.each<[string, string[]]>([
    // stop words (Portuguese and English lists) and courtesy are dropped; words stemmed
    ['Olá, bom dia! Preciso da segunda via do boleto', ['segund', 'via', 'bolet']],
    ['Os boletos não chegaram', ['bolet', 'cheg']],
    ['Nota fiscal', ['not', 'fiscal']],
    ['Notas fiscais de outubro', ['not', 'fisc', 'outubr']],
    // accents or not, the same key
    ['emissão da nota', ['emissa', 'not']],
    ['emissao da nota', ['emissa', 'not']],
    ['Não consigo acessar o painel', ['consig', 'acess', 'painel']],
    ['the invoice payment failed', ['invoic', 'payment', 'fail']],
  ])('%s', (text, expected) => {
    expect(words(text, /invoice/.test(text) ? { locale: 'en-US' } : {})).toEqual(expected);
  });

  it('makes two-word phrases across stop words, labelled as written, never across punctuation', () => {
    const out = extractTerms('Segunda via do boleto. Nota fiscal, cancelamento');
    const phrases = out.filter((t) => t.kind === 'phrase');
    expect(phrases).toEqual([
      { term: 'segund via', label: 'segunda via', kind: 'phrase' },
      { term: 'via bolet', label: 'via do boleto', kind: 'phrase' },
      { term: 'not fiscal', label: 'nota fiscal', kind: 'phrase' },
    ]);
    // "fiscal, cancelamento": a comma separates the clauses
    expect(out.map((t) => t.term)).not.toContain('fiscal cancel');
  });

  it('counts a subject once per text', () => {
    expect(terms('boleto boletos BOLETO')).toEqual(['bolet']);
  });

  it('keeps nothing personal: e-mails, links, numbers, the visitor\'s name', () => {
    const out = terms('Sou Maria Souza, maria@example.com, tel 11 98765-4321, CPF 123.456.789-00, veja https://exemplo.com/pedido/99 boleto', {
      exclude: 'Maria Souza',
    });
    expect(out).toContain('bolet');
    expect(out.join(' ')).not.toMatch(/mari|souz|exampl|exempl|pedid|\d/);
  });

  it('drops words too short or too long, and takes English stems for English chats', () => {
    expect(words('ok tv ' + 'a'.repeat(41) + ' boleto')).toEqual(['bolet']);
    expect(words('payments refunded', { locale: 'en' })).toEqual(['payment', 'refund']);
    expect(words('pagamentos', { locale: 'pt-BR' })).toEqual(['pagament']);
  });

  it('caps the terms per text, phrases first', () => {
    const long = Array.from({ length: 30 }, (_, i) => `palavra${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`).join(' ');
    const out = extractTerms(long, { maxTerms: 10 });
    expect(out).toHaveLength(10);
    expect(extractTerms('segunda via boleto', { maxTerms: 3 }).map((t) => t.kind)).toEqual(['phrase', 'phrase', 'word']);
  });

  it('returns nothing for empty or non-text input', () => {
    expect(extractTerms('')).toEqual([]);
    expect(extractTerms('de da do o a')).toEqual([]);
    expect(extractTerms(undefined as unknown as string)).toEqual([]);
  });
});

describe('trendOf', () => {
  it.each<[number, number, object]>([
    [12, 6, { previous: 6, change: 6, changeRatio: 1, direction: 'up' }],
    [3, 6, { previous: 6, change: -3, changeRatio: -0.5, direction: 'down' }],
    [5, 5, { previous: 5, change: 0, changeRatio: 0, direction: 'flat' }],
    [4, 0, { previous: 0, change: 4, changeRatio: null, direction: 'new' }],
  ])('%i against %i', (cur, prev, expected) => {
    expect(trendOf(cur, prev)).toEqual(expected);
  });
});

describe('groupDemands', () => {
  const row = (term: string, current: number, previous = 0, label = term): TermCount => ({
    term,
    kind: term.includes(' ') ? 'phrase' : 'word',
    label,
    current,
    previous,
  });

  it('folds the words of a phrase into it, and names the group by the phrase', () => {
    const groups = groupDemands([row('bolet', 50, 40, 'boleto'), row('fiscal', 21), row('not', 20), row('not fiscal', 20, 10, 'nota fiscal'), row('venc', 10)], 10);
    expect(groups.map((g) => [g.title, g.count, g.variants])).toEqual([
      ['boleto', 50, []],
      ['nota fiscal', 20, ['fiscal', 'not']],
      ['venc', 10, []],
    ]);
    expect(groups[1].trend).toMatchObject({ previous: 10, direction: 'up' });
  });

  it('keeps a smaller sub-subject apart, and does not chain unrelated subjects', () => {
    const groups = groupDemands(
      [row('bolet', 50), row('bolet venc', 10, 0, 'boleto vencido'), row('segund via', 30), row('via bolet', 29), row('via not', 8)],
      10
    );
    // "via do boleto" (29 of boleto's 50) is boleto seen through a phrase; "segunda via" stays
    // apart from it, and "via da nota" (8) joins neither
    expect(groups.map((g) => [g.term, g.variants])).toEqual([
      ['bolet', ['via bolet']],
      ['segund via', []],
      ['bolet venc', []],
      ['via not', []],
    ]);
  });

  it('takes at most `limit` groups and ignores terms absent from the period', () => {
    const groups = groupDemands([row('a1', 5), row('b1', 4), row('c1', 3), row('d1', 0, 9)], 2);
    expect(groups.map((g) => g.term)).toEqual(['a1', 'b1']);
  });
});
