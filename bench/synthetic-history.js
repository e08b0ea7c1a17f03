/**
 * A realistic synthetic chat history (issue 8), shared by bench/analytics.js (a million messages)
 * and the Analytics page's end-to-end test (a couple of hundred chats): chats in the four
 * departments, Portuguese questions drawn from a vocabulary of support topics at known weights,
 * busier business hours, statuses, agents, tags, ratings and messages, from a deterministic
 * random source (the same seed gives the same history), written in batches through knex with the
 * rows exactly as Strapi stores them (the Document Service would take about an hour for a
 * million messages).
 *
 *   const gen = createGenerator({ deps, start, now, perChat, pg });
 *   for (...) await writeBatch(knex, gen.batch(500));
 */
const crypto = require('crypto');

/** A deterministic random source (an LCG): two generators with one seed give the same history. */
function createRandom(seed = 20261125) {
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const weighted = (pairs) => {
    const total = pairs.reduce((t, [, w]) => t + w, 0);
    let r = rand() * total;
    for (const [v, w] of pairs) if ((r -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  };
  return { rand, pick, weighted };
}

/** Support topics per department: [tag, weight, question variants] */
const TOPICS = {
  Financeiro: [
    ['boleto', 30, ['Preciso da segunda via do boleto', 'Meu boleto venceu, como pago?', 'Não recebi o boleto deste mês', 'O boleto veio com valor errado', 'Como emitir o boleto atualizado?']],
    ['nota-fiscal', 20, ['Preciso da nota fiscal de outubro', 'A nota fiscal saiu com CNPJ errado', 'Quando a nota fiscal é emitida?', 'Não encontro a nota fiscal no painel']],
    ['reembolso', 8, ['Quero o reembolso da cobrança duplicada', 'Como peço reembolso?', 'Fui cobrado duas vezes no cartão']],
    ['cartao', 6, ['Quero trocar o cartão de crédito', 'O pagamento no cartão foi recusado']],
  ],
  Suporte: [
    ['acesso', 25, ['Não consigo acessar o painel', 'Esqueci minha senha', 'A senha não funciona', 'Minha conta foi bloqueada']],
    ['email', 15, ['Meu e-mail não envia mensagens', 'Configurar e-mail no celular', 'Caixa de e-mail cheia']],
    ['lentidao', 10, ['O sistema está muito lento', 'A página demora para carregar']],
  ],
  Comercial: [
    ['plano', 20, ['Quero mudar de plano', 'Qual a diferença entre os planos?', 'Quero contratar o plano empresarial']],
    ['orcamento', 15, ['Preciso de um orçamento para minha empresa', 'Orçamento para cem usuários']],
    ['desconto', 5, ['Tem desconto no plano anual?', 'Desconto para ONG']],
  ],
  Websites: [
    ['site-fora', 15, ['Meu site está fora do ar', 'O site não abre', 'Erro 500 no site']],
    ['dominio', 12, ['Como registrar um domínio?', 'Meu domínio expirou', 'Transferir domínio para vocês']],
    ['certificado', 6, ['O certificado SSL expirou', 'Site aparece como não seguro']],
  ],
};
const DEP_WEIGHTS = [['Financeiro', 35], ['Suporte', 35], ['Comercial', 15], ['Websites', 15]];
const FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Fábio', 'Gabriela', 'Heitor', 'Isabela', 'João', 'Karina', 'Lucas', 'Marina', 'Nuno', 'Olga', 'Paulo'];
const LAST = ['Silva', 'Souza', 'Oliveira', 'Santos', 'Lima', 'Costa', 'Pereira', 'Almeida'];
const AGENTS = Array.from({ length: 12 }, (_, i) => ({ id: 900 + i, name: `${FIRST[i]} Atendente` }));
const REPLIES = ['Claro, vou verificar para você.', 'Um momento, por favor.', 'Pronto, já está resolvido.', 'Enviei as instruções por e-mail.', 'Posso ajudar em algo mais?'];
const FOLLOW = ['Obrigado!', 'Certo, aguardo.', 'Funcionou, valeu.', 'Ainda não chegou.', 'Ok'];

const docId = () => crypto.randomBytes(12).toString('hex').slice(0, 24);

/**
 * A generator of chats queued between `start` and `now` (ms): `batch(n)` returns the next n
 * chats as `{ chats, meta }` — `chats` the rows of the `chats` table, `meta` per chat what the
 * messages and the tests need (queued time, status, question, agent, tag, department name).
 *
 * deps: { [departmentName]: id } of the four departments; perChat: messages of a closed chat;
 * pg: PostgreSQL (dates as Date) or SQLite (dates as ms); seed: the random source's seed.
 */
function createGenerator({ deps, start, now, perChat = 10, pg = false, seed = 20261125 }) {
  const { rand, pick, weighted } = createRandom(seed);
  const t = (ms) => (pg ? new Date(ms) : ms);
  const emails = [];
  return {
    emails,
    batch(n) {
      const chats = [];
      const meta = [];
      for (let i = 0; i < n; i++) {
        const depName = weighted(DEP_WEIGHTS);
        const [tag, , variants] = weighted(TOPICS[depName].map((topic) => [topic, topic[1]]));
        const question = pick(variants);
        // business hours are busier: more chats between 9 and 18 (UTC−3)
        let queued = start + Math.floor(rand() * (now - start - 3_600_000));
        const hour = new Date(queued - 3 * 3_600_000).getUTCHours();
        if ((hour < 8 || hour > 19) && rand() < 0.6) queued -= (hour < 8 ? hour - 10 : hour - 14) * 3_600_000;
        const status = weighted([['closed', 75], ['missed', 10], ['left_message', 10], ['answered', 5]]);
        const accepted = status === 'closed' ? queued + Math.floor(5_000 + rand() * rand() * 600_000) : null;
        const firstReply = accepted ? accepted + Math.floor(3_000 + rand() * 90_000) : null;
        const closed = accepted ? accepted + Math.floor(60_000 + rand() * 1_800_000) : status === 'missed' ? queued + 120_000 : queued;
        const agent = accepted ? pick(AGENTS) : null;
        const name = `${pick(FIRST)} ${pick(LAST)}`;
        const email = `${name.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(' ', '.')}${Math.floor(rand() * 5000)}@example.com`;
        if (emails.length < 50) emails.push(email);
        const tags = status === 'closed' && rand() < 0.7 ? [tag] : [];
        const rating = status === 'closed' && rand() < 0.4 ? 1 + Math.floor(rand() * 5) : null;
        chats.push({
          document_id: docId(), status, visitor_name: name, visitor_email: email, question, department_id: deps[depName], department_name: depName,
          agent_id: agent?.id ?? null, agent_name: agent?.name ?? null, queued_at: t(queued), accepted_at: accepted ? t(accepted) : null,
          first_agent_reply_at: firstReply ? t(firstReply) : null, closed_at: t(closed), closed_by: status === 'closed' ? 'agent' : null,
          close_reason: status === 'closed' ? 'resolved' : null, tags: JSON.stringify(tags),
          locale: 'pt-BR', last_seq: status === 'closed' ? perChat : 1, priority: 0, rating,
          token_hash: crypto.randomBytes(16).toString('hex'), created_at: t(queued), updated_at: t(closed), published_at: t(queued),
        });
        meta.push({ queued, status, question, agent, tag, tags, rating, department: depName, accepted, firstReply, closed });
      }
      return { chats, meta, perChat, t, pick };
    },
  };
}

/**
 * Writes one batch in a transaction: the chats, their department links, their messages (a closed
 * chat has `perChat`, the others only the visitor's first) and the messages' chat links.
 * Returns how many messages were written.
 */
async function writeBatch(knex, { chats, meta, perChat, t, pick }) {
  let written = 0;
  await knex.transaction(async (trx) => {
    const inserted = [];
    for (let i = 0; i < chats.length; i += 100) {
      const rows = await trx('chats').insert(chats.slice(i, i + 100)).returning('id');
      inserted.push(...rows.map((r) => (typeof r === 'object' ? r.id : r)));
    }
    const links = inserted.map((id, i) => ({ chat_id: id, department_id: chats[i].department_id, chat_ord: 1 }));
    for (let i = 0; i < links.length; i += 200) await trx('chats_department_lnk').insert(links.slice(i, i + 200));
    const msgs = [];
    inserted.forEach((id, i) => {
      const m = meta[i];
      m.id = id;
      const count = m.status === 'closed' ? perChat : 1;
      for (let seq = 1; seq <= count; seq++) {
        const visitor = seq % 2 === 1;
        const body = seq === 1 ? `Olá. ${m.question}` : visitor ? pick(FOLLOW) : pick(REPLIES);
        const at = t(m.queued + seq * 30_000);
        msgs.push({
          document_id: docId(), chat_id: id, seq, client_id: `g${seq}`, chat_client_key: `${id}:g${seq}`, sender: visitor ? 'visitor' : 'agent',
          sender_name: visitor ? null : m.agent?.name ?? null, agent_id: visitor ? null : m.agent?.id ?? null, kind: 'text', visibility: 'public', body,
          created_at: at, updated_at: at, published_at: at,
        });
      }
    });
    for (let i = 0; i < msgs.length; i += 100) {
      const ids = await trx('messages').insert(msgs.slice(i, i + 100)).returning('id');
      const mlinks = ids.map((r, j) => ({ message_id: typeof r === 'object' ? r.id : r, chat_id: msgs[i + j].chat_id, message_ord: msgs[i + j].seq }));
      await trx('messages_chat_lnk').insert(mlinks);
    }
    written = msgs.length;
  });
  return written;
}

/** Extracts the terms of every pending chat, as the sweeper does between its ticks. */
async function extractTerms(strapi) {
  const terms = strapi.plugin('live-chat').service('terms');
  let indexed = { questions: 0, messages: 0 };
  for (;;) {
    const r = await terms.indexPending(new Date(Date.now() + 60_000), { batch: 2000, maxBatches: 10 });
    indexed = { questions: indexed.questions + r.questions, messages: indexed.messages + r.messages };
    if (!r.more) break;
  }
  return indexed;
}

module.exports = { createRandom, createGenerator, writeBatch, extractTerms, TOPICS, DEP_WEIGHTS, AGENTS };
