/**
 * Tracing's front door. With an OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) it loads the OpenTelemetry SDK (./sdk.ts) and starts
 * exporting: a server span per request, a span per dependency call made through the
 * policy wrapper, a root span per unit of background work. With none, nothing is loaded:
 * this file imports no OpenTelemetry module, and the hot path's only cost is the empty
 * slot in src/resilience/call-tracing.ts.
 */
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

import type { Config } from '../../config/index.ts';
import type { ExportStats } from './export.ts';

export type { ExportStats } from './export.ts';

export interface TracingSettings {
  /** The OTLP/HTTP traces URL. */
  url: string;
  serviceName: string;
  /** The body encoding: OTLP JSON or protobuf. */
  protocol: 'http/json' | 'http/protobuf';
  /** Paths whose requests get no span (probes, scrapes). */
  ignorePath: (path: string) => boolean;
}

export interface Tracing {
  /** Registered first in the app: the server span of every request. */
  plugin: FastifyPluginCallback;
  /** The request's span and trace id, once the plugin has started it. */
  traceOf(request: FastifyRequest): { span: object; traceId: string } | undefined;
  /** What the export has done (for /metrics). */
  stats(): ExportStats;
  /** Flushes what is queued (bounded: TRACE_EXPORT.shutdownFlushMillis) and unloads the SDK's globals. */
  shutdown(): Promise<void>;
}

// One SDK per process (its provider and context manager are global); containers built
// in the same process (tests) share it, and the last one to close shuts it down.
let running: { tracing: Tracing; users: number } | undefined;

export async function startTracing(
  config: Pick<Config, 'otelTracesUrl' | 'otelServiceName' | 'otelProtocol'>,
  logger: Logger,
  ignorePath: (path: string) => boolean,
): Promise<Tracing | undefined> {
  const url = config.otelTracesUrl;
  if (!url) return undefined;
  if (!running) {
    const { startSdk } = await import('./sdk.ts');
    running = {
      tracing: startSdk({ url, serviceName: config.otelServiceName, protocol: config.otelProtocol, ignorePath }, logger),
      users: 0,
    };
    // Origin and path only: a URL's user:password part never reaches the log.
    const where = new URL(url);
    logger.info(
      { dependency: 'tracing', url: `${where.origin}${where.pathname}`, serviceName: config.otelServiceName },
      'tracing on: spans exported over OTLP/HTTP',
    );
  }
  const r = running;
  r.users++;
  let closed = false;
  return {
    ...r.tracing,
    async shutdown() {
      if (closed) return;
      closed = true;
      if (--r.users > 0) return;
      running = undefined;
      await r.tracing.shutdown();
    },
  };
}
