/**
 * The SMTP sink: a real SMTP server (the `smtp-server` package) that keeps every message
 * it accepts, parsed with `mailparser`, plus a loopback HTTP control API to read them and
 * to inject faults (an SMTP error code at a given stage, or a delay before every reply).
 * Tests, benchmarks and the chaos run start it as a process of its own (`main.ts`,
 * `spawn.ts`) so it can be frozen with SIGSTOP: a hung SMTP server, for real.
 */
import http from 'node:http';
import type net from 'node:net';

import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** Where a fault answers: the greeting, MAIL FROM, RCPT TO, or the end of DATA. */
export type SinkStage = 'CONNECT' | 'MAIL' | 'RCPT' | 'DATA';
export const SINK_STAGES: readonly SinkStage[] = ['CONNECT', 'MAIL', 'RCPT', 'DATA'];

export interface SinkFault {
  stage: SinkStage;
  /** The SMTP reply code, e.g. 451 (try again later) or 550 (refused). */
  code: number;
  message?: string;
  /** Answer the fault this many times, then accept again (absent: until cleared). */
  times?: number;
}

export interface SinkMessage {
  /** The Message-ID header as sent (with its angle brackets), '' when there was none. */
  messageId: string;
  from: string;
  to: string[];
  /** The SMTP envelope, which may differ from the headers. */
  envelope: { mailFrom: string; rcptTo: string[] };
  subject: string;
  text: string;
  html: string;
  /** Every header, lower-case name → value as text (repeated headers joined by ", "). */
  headers: Record<string, string>;
  /** The raw message's size in bytes. */
  size: number;
  receivedAt: string;
}

export interface SinkStats {
  received: number;
  distinctMessageIds: number;
  /** Messages received beyond the first with the same Message-ID. */
  duplicates: number;
  /** Commands answered with a fault. */
  faulted: number;
}

export interface SmtpSink {
  smtpPort: number;
  controlPort: number;
  messages(): SinkMessage[];
  clear(): void;
  setFault(f: SinkFault | { stage: SinkStage; clear: true } | null): void;
  setDelay(ms: number): void;
  stats(): SinkStats;
  close(): Promise<void>;
}

// A message larger than this is refused with 552: our mail is a few kilobytes, and the
// sink keeps everything in memory.
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
// An idle client is dropped after this long (the server's default is 60 s); a test that
// freezes the *client* side should not keep a socket for longer than a test lasts.
const SOCKET_TIMEOUT_MS = 120_000;
// Control requests carry tiny JSON bodies.
const MAX_CONTROL_BODY = 64 * 1024;

function addressText(a: AddressObject | AddressObject[] | undefined): string[] {
  if (!a) return [];
  const list = Array.isArray(a) ? a : [a];
  return list.flatMap((o) => o.value.map((v) => v.address ?? v.name)).filter((s): s is string => Boolean(s));
}

function headerText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(headerText).join(', ');
  if (v && typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('value' in v && typeof v.value === 'string') return v.value;
    return JSON.stringify(v);
  }
  return String(v);
}

function smtpError(f: SinkFault): Error & { responseCode: number } {
  const err = new Error(f.message ?? (f.code >= 500 ? 'Refused by the sink (fault injected)' : 'Try again later (fault injected)'));
  return Object.assign(err, { responseCode: f.code });
}

export async function startSmtpSinkServer(opts: { host?: string; smtpPort?: number; controlPort?: number } = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const messages: SinkMessage[] = [];
  const faults = new Map<SinkStage, SinkFault>();
  let delayMs = 0;
  let faulted = 0;
  // Sessions whose client hung up: a message is received only if the sink can still
  // answer 250 for it (the client then knows it was delivered), as RFC 5321 has it.
  const closed = new Set<string>();

  /** Waits the configured delay, then answers the stage's fault if one is set. */
  async function gate(stage: SinkStage): Promise<Error | undefined> {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const f = faults.get(stage);
    if (!f) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) faults.delete(stage);
    }
    faulted++;
    return smtpError(f);
  }
  const answer = (stage: SinkStage, cb: (err?: Error | null) => void) => {
    gate(stage).then((err) => cb(err ?? null), cb);
  };

  const smtp = new SMTPServer({
    name: 'smtp-sink.localhost',
    banner: 'it360acad SMTP sink',
    authOptional: true,
    // Any AUTH is accepted, over plain TCP too: it is a sink on loopback.
    allowInsecureAuth: true,
    // STARTTLS is not offered: clients talk plain SMTP and need no certificate.
    hideSTARTTLS: true,
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    socketTimeout: SOCKET_TIMEOUT_MS,
    logger: false,
    onConnect: (_session, cb) => answer('CONNECT', cb),
    onClose: (session) => {
      closed.add(session.id);
      // Bounded: only sessions still in onData need remembering, and those are few.
      if (closed.size > 10_000) closed.clear();
    },
    onAuth: (auth, _session, cb) => cb(null, { user: auth.username ?? 'anyone' }),
    onMailFrom: (_address, _session, cb) => answer('MAIL', cb),
    onRcptTo: (_address, _session, cb) => answer('RCPT', cb),
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          const err = await gate('DATA');
          if (err) return cb(err);
          if (stream.sizeExceeded) return cb(Object.assign(new Error('Message too large'), { responseCode: 552 }));
          if (closed.has(session.id)) return cb(new Error('client gone before the reply'));
          const raw = Buffer.concat(chunks);
          try {
            const parsed = await simpleParser(raw);
            const headers: Record<string, string> = {};
            for (const [k, v] of parsed.headers) headers[k.toLowerCase()] = headerText(v);
            messages.push({
              messageId: parsed.messageId ?? '',
              from: addressText(parsed.from)[0] ?? '',
              to: addressText(parsed.to),
              envelope: {
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                rcptTo: session.envelope.rcptTo.map((r) => r.address),
              },
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
              size: raw.length,
              receivedAt: new Date().toISOString(),
            });
            cb(null, 'Queued by the sink');
          } catch (e) {
            cb(Object.assign(new Error(`Unparseable message: ${(e as Error).message}`), { responseCode: 554 }));
          }
        })();
      });
    },
  });
  smtp.on('error', () => undefined); // a client's broken connection is not the sink's failure

  const stats = (): SinkStats => {
    const ids = new Set(messages.map((m) => m.messageId));
    return { received: messages.length, distinctMessageIds: ids.size, duplicates: messages.length - ids.size, faulted };
  };
  const setFault: SmtpSink['setFault'] = (f) => {
    if (f === null) faults.clear();
    else if ('clear' in f) faults.delete(f.stage);
    else faults.set(f.stage, { ...f });
  };

  const control = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONTROL_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      } catch {
        return send(400, { error: 'body must be JSON' });
      }
      const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
      switch (route) {
        case 'GET /messages':
          return send(200, messages);
        case 'GET /stats':
          return send(200, stats());
        case 'POST /clear':
        case 'DELETE /messages':
          messages.length = 0;
          faulted = 0;
          return send(200, { ok: true });
        case 'POST /fault': {
          const stage = (typeof body.stage === 'string' ? body.stage.toUpperCase() : '') as SinkStage;
          if (body.clearAll === true) {
            setFault(null);
            return send(200, { ok: true });
          }
          if (!SINK_STAGES.includes(stage)) return send(400, { error: `stage must be one of ${SINK_STAGES.join(', ')}` });
          if (body.code === null || body.code === undefined) {
            setFault({ stage, clear: true });
            return send(200, { ok: true });
          }
          const code = Number(body.code);
          if (!Number.isInteger(code) || code < 400 || code > 599) return send(400, { error: 'code must be an SMTP error code (400-599)' });
          const times = body.times === undefined ? undefined : Number(body.times);
          if (times !== undefined && (!Number.isInteger(times) || times < 1))
            return send(400, { error: 'times must be a positive integer' });
          setFault({ stage, code, times, message: typeof body.message === 'string' ? body.message : undefined });
          return send(200, { ok: true });
        }
        case 'POST /slow': {
          const ms = Number(body.ms ?? 0);
          if (!Number.isFinite(ms) || ms < 0) return send(400, { error: 'ms must be a non-negative number' });
          delayMs = ms;
          return send(200, { ok: true });
        }
        default:
          return send(404, { error: `no route ${route}` });
      }
    });
  });

  // smtp.server is the net.Server behind SMTPServer.listen, listened on directly to learn the port.
  const listen = (server: net.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
    });
  const smtpPort = await listen(smtp.server, opts.smtpPort ?? 0);
  const controlPort = await listen(control, opts.controlPort ?? 0);

  return {
    smtpPort,
    controlPort,
    messages: () => messages,
    clear: () => void (messages.length = 0),
    setFault,
    setDelay: (ms) => void (delayMs = ms),
    stats,
    close: async () => {
      control.closeAllConnections();
      await Promise.all([new Promise<void>((r) => control.close(() => r())), new Promise<void>((r) => smtp.close(() => r()))]);
    },
  };
}
