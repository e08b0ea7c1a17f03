import type { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SinkMail {
  /** envelope recipients (RCPT TO) */
  to: string[];
  from: string;
  parsed: ParsedMail;
  subject: string;
  text: string;
  html: string;
  replyTo: string;
}

/**
 * A real SMTP server for the tests (no TLS, no auth), on a free port: set SMTP_PORT to its port
 * before starting Strapi. Every mail received is parsed and kept.
 */
export async function startSmtpSink() {
  const mails: SinkMail[] = [];
  const waiters: { match: (m: SinkMail) => boolean; resolve: (m: SinkMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const mail: SinkMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            parsed,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            replyTo: parsed.replyTo?.value.map((a) => a.address).join(',') ?? '',
          };
          mails.push(mail);
          for (const w of [...waiters]) {
            if (w.match(mail)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(mail);
            }
          }
          callback();
        })
        .catch((e) => callback(e));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    mails,
    /** The first mail (already received or to come) matching `match`. */
    waitFor(match: (m: SinkMail) => boolean, timeoutMs = 10000): Promise<SinkMail> {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (m: SinkMail) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching e-mail within ${timeoutMs} ms (received ${mails.length})`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    to: (address: string) => mails.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
