/** Types of bench/synthetic-history.js (for the TypeScript tests that seed with it). */
export interface ChatMeta {
  /** the chat's id once written */
  id?: number;
  queued: number;
  status: 'closed' | 'missed' | 'left_message' | 'answered';
  question: string;
  agent: { id: number; name: string } | null;
  tag: string;
  tags: string[];
  rating: number | null;
  department: 'Financeiro' | 'Suporte' | 'Comercial' | 'Websites';
  accepted: number | null;
  firstReply: number | null;
  closed: number;
}
export interface Batch {
  chats: Record<string, unknown>[];
  meta: ChatMeta[];
  perChat: number;
  t: (ms: number) => number | Date;
  pick: <T>(xs: T[]) => T;
}
export function createRandom(seed?: number): { rand: () => number; pick: <T>(xs: T[]) => T; weighted: <T>(pairs: [T, number][]) => T };
export function createGenerator(options: { deps: Record<string, number>; start: number; now: number; perChat?: number; pg?: boolean; seed?: number }): { emails: string[]; batch(n: number): Batch };
export function writeBatch(knex: unknown, batch: Batch): Promise<number>;
export function extractTerms(strapi: unknown): Promise<{ questions: number; messages: number }>;
export const TOPICS: Record<string, [string, number, string[]][]>;
export const DEP_WEIGHTS: [string, number][];
export const AGENTS: { id: number; name: string }[];
