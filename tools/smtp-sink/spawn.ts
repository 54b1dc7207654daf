/**
 * Starts the SMTP sink as a child process and drives it over its control API. No
 * node:test here: benchmarks and the chaos run import it as tests do (test/helpers/smtp.ts
 * adds the tracking and teardown of a test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { SinkMessage, SinkStage, SinkStats } from './server.ts';

export type { SinkMessage, SinkStage, SinkStats } from './server.ts';

export interface SmtpSinkProcess {
  /** smtp://127.0.0.1:PORT, for SMTP_URL. */
  url: string;
  controlUrl: string;
  smtpPort: number;
  pid: number;
  proc: ChildProcess;
  messages(): Promise<SinkMessage[]>;
  /** Polls the messages until one matches, at most `timeoutMs`. */
  waitForMessage(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  stats(): Promise<SinkStats>;
  /** SIGSTOP: the sink keeps its sockets open but answers nothing, an SMTP server that hangs. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Answers `code` at `stage` (`times` times, or until cleared); `code` null clears that stage. */
  fault(stage: SinkStage, code: number | null, opts?: { times?: number; message?: string }): Promise<void>;
  /** Clears every fault. */
  clearFaults(): Promise<void>;
  /** Waits `ms` before every reply (greeting, MAIL, RCPT, end of DATA); 0 is fast again. */
  slow(ms: number): Promise<void>;
  /** Forgets every message received. */
  clear(): Promise<void>;
  /** Kills the sink (SIGKILL, after SIGCONT in case it was frozen) and waits for its exit. */
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
// Control requests are local and tiny; a sink that does not answer within this is frozen
// or gone, which the caller should hear about rather than wait on.
const CONTROL_TIMEOUT_MS = 5_000;

export async function startSmtpSinkProcess(
  opts: {
    /** Called with the child as soon as it exists (tests register it for cleanup). */
    onSpawn?: (proc: ChildProcess) => void;
    /** How long the sink may take to print its ready line (a loaded machine: seconds). */
    readyTimeoutMs?: number;
    port?: number;
  } = {},
): Promise<SmtpSinkProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, '--exit-with-stdin', '--port', String(opts.port ?? 0)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  opts.onSpawn?.(proc);
  const stderr: string[] = [];
  proc.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));

  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  };

  const ready = await new Promise<{ smtpPort: number; controlPort: number; url: string; controlUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start:\n${stderr.join('')}`)), opts.readyTimeoutMs ?? 60_000);
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; smtpPort: number; controlPort: number; url: string; controlUrl: string };
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // not the ready line
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the SMTP sink exited (${code ?? signal}) before it was ready:\n${stderr.join('')}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${ready.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`SMTP sink ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  const messages = () => call<SinkMessage[]>('GET', '/messages');

  return {
    url: ready.url,
    controlUrl: ready.controlUrl,
    smtpPort: ready.smtpPort,
    pid: proc.pid!,
    proc,
    messages,
    async waitForMessage(predicate, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = (await messages()).find(predicate);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching message at the SMTP sink within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stats: () => call<SinkStats>('GET', '/stats'),
    freeze: () => void proc.kill('SIGSTOP'),
    thaw: () => void proc.kill('SIGCONT'),
    fault: async (stage, code, o = {}) => void (await call('POST', '/fault', { stage, code, ...o })),
    clearFaults: async () => void (await call('POST', '/fault', { clearAll: true })),
    slow: async (ms) => void (await call('POST', '/slow', { ms })),
    clear: async () => void (await call('POST', '/clear')),
    stop,
  };
}
