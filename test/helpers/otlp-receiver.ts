/**
 * An OTLP/HTTP receiver of the tests' own: accepts POST /v1/traces with the JSON
 * encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), decodes resourceSpans → scopeSpans →
 * spans, and keeps them. Hand-written because it is some sixty lines and a real collector
 * is not something a test can start here.
 *
 * Run as a process of its own (`node --import tsx test/helpers/otlp-receiver.ts [port]`)
 * it prints `{"port":N}` once listening, so a test or the chaos run can SIGSTOP it: a hung
 * collector. GET /stats answers `{ "requests": n, "spans": n }` there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  status: { code: number; message?: string };
  links: { traceId: string; spanId: string }[];
  resource: Record<string, string | number | boolean>;
  scope: string;
}

const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const attrs = (kvs: KeyValue[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]));

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

export function decodeTraces(body: ExportRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message },
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export interface OtlpReceiver {
  url: string;
  /** The traces endpoint (for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). */
  tracesUrl: string;
  spans: ReceivedSpan[];
  requests: number;
  /** Bodies sent as protobuf (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf), kept whole: not decoded here. */
  protobufBodies: Buffer[];
  /** Waits until `pick` finds what it wants among the spans received, at most `ms`. */
  waitFor<T>(pick: (spans: ReceivedSpan[]) => T | undefined | false, ms?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const protobufBodies: Buffer[] = [];
  const r = { requests: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ requests: r.requests, spans: spans.length }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests++;
      if (req.headers['content-type'] === 'application/x-protobuf') {
        protobufBodies.push(Buffer.concat(chunks));
        res.setHeader('content-type', 'application/x-protobuf');
        res.end();
        return;
      }
      try {
        spans.push(...decodeTraces(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest));
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      } catch {
        res.statusCode = 400;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans,
    protobufBodies,
    get requests() {
      return r.requests;
    },
    async waitFor(pick, ms = 10_000) {
      const until = Date.now() + ms;
      for (;;) {
        const got = pick(spans);
        if (got) return got;
        if (Date.now() > until) throw new Error(`the receiver did not get the spans looked for within ${ms} ms (${spans.length} received)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReceiverProcess {
  url: string;
  proc: ChildProcess;
  freeze(): void;
  thaw(): void;
  stats(): Promise<{ requests: number; spans: number }>;
  stop(): Promise<void>;
}

/**
 * The receiver as a process of its own, so that it can be frozen (SIGSTOP): it keeps its
 * socket open and answers nothing, a hung collector. `track` lists it for the caller's
 * clean-up net (tests pass test/helpers/children.ts's trackChild).
 */
export async function startReceiverProcess(track?: (p: ChildProcess) => void): Promise<ReceiverProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: ['ignore', 'pipe', 'inherit'] });
  track?.(proc);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    // Starting a TypeScript process takes a second or two; 20 s covers a loaded machine.
    const timer = setTimeout(() => reject(new Error('the OTLP receiver did not start within 20 s')), 20_000);
    proc.once('exit', (code) => reject(new Error(`the OTLP receiver exited (${code})`)));
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    proc,
    freeze: () => void proc.kill('SIGSTOP'),
    thaw: () => void proc.kill('SIGCONT'),
    async stats() {
      // Local and answering at once when not frozen; 5 s means it is.
      const res = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as { requests: number; spans: number };
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const receiver = await startOtlpReceiver(Number(process.argv[2] ?? 0));
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(receiver.url).port) })}\n`);
}
