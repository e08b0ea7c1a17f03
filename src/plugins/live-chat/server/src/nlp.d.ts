// The two NLP packages ship no type declarations: the parts the plugin uses.
declare module 'stopword' {
  /** Portuguese stop words */
  export const por: string[];
  /** English stop words */
  export const eng: string[];
}

declare module 'snowball-stemmers' {
  export function newStemmer(language: string): { stem(word: string): string };
  export function algorithms(): string[];
}
