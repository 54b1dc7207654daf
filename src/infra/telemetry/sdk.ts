/**
 * The OpenTelemetry SDK, loaded (by ./index.ts) only when tracing is on: nothing in the
 * service imports this file statically, so with no OTLP endpoint none of it is loaded.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { context, diag, type DiagLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

import { tracing as slot } from '../../resilience/call-tracing.ts';
import { TRACE_EXPORT } from '../../resilience/policies.ts';
import { BoundedProcessor, CountingExporter, newExportStats } from './export.ts';
import type { Tracing, TracingSettings } from './index.ts';
import { ATTR, createCallTracer } from './spans.ts';

// The SDK's own complaints (an export failed, a span dropped) go to our log at warn, at
// most one line per 10 s: a hung collector fails an export every second or so, and the
// counters in /metrics tell how many; the log line only needs to say that it happens.
const DIAG_LOG_EVERY_MS = 10_000;

function diagLogger(logger: Logger): DiagLogger {
  let last = -Infinity;
  let suppressed = 0;
  const line =
    (level: 'warn' | 'error') =>
    (message: string, ...args: unknown[]) => {
      const now = performance.now();
      if (now - last < DIAG_LOG_EVERY_MS) {
        suppressed++;
        return;
      }
      last = now;
      const detail = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      logger[level](
        { dependency: 'tracing', ...(suppressed > 0 ? { alsoSinceLastLine: suppressed } : {}) },
        `tracing: ${message}${detail ? ` ${detail}` : ''}`,
      );
      suppressed = 0;
    };
  const quiet = () => undefined;
  return { error: line('error'), warn: line('warn'), info: quiet, debug: quiet, verbose: quiet };
}

export function startSdk(s: TracingSettings, logger: Logger): Tracing {
  diag.setLogger(diagLogger(logger), DiagLogLevel.WARN);
  const stats = newExportStats();
  const exporter = new CountingExporter(
    new (s.protocol === 'http/protobuf' ? OTLPProtoTraceExporter : OTLPJsonTraceExporter)({
      url: s.url,
      timeoutMillis: TRACE_EXPORT.exportTimeoutMillis,
      concurrencyLimit: TRACE_EXPORT.concurrencyLimit,
    }),
    stats,
  );
  const batch = new BatchSpanProcessor(exporter, {
    maxQueueSize: TRACE_EXPORT.maxQueueSize,
    maxExportBatchSize: TRACE_EXPORT.maxExportBatchSize,
    scheduledDelayMillis: TRACE_EXPORT.scheduledDelayMillis,
    exportTimeoutMillis: TRACE_EXPORT.exportTimeoutMillis + TRACE_EXPORT.processorTimeoutMarginMillis,
  });
  // The sampler is the SDK's, from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: s.serviceName })),
    spanProcessors: [new BoundedProcessor(batch, stats, TRACE_EXPORT.maxQueueSize)],
  });
  // W3C trace context only: an incoming traceparent is continued, and Paystack calls carry ours.
  provider.register({ propagator: new W3CTraceContextPropagator() });

  // Fastify's own plugin: one server span per request, from its hooks (no patching, so it
  // works under ESM). The spans of each hook and of the handler are left out: the
  // dependency calls' spans under the request's tell where its time went.
  const fastifyOtel = new FastifyOtelInstrumentation({
    instrumentHooks: false,
    instrumentHandler: false,
    ignorePaths: (route: { url: string }) => s.ignorePath(route.url.split('?', 1)[0]),
    requestHook: (span, request) => {
      // Named by route as HTTP server spans are (GET /api/v1/users), not the plugin's "request".
      span.updateName(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`);
      span.setAttribute(ATTR.requestId, request.id);
      // The path without its query: a query may carry a token (the account pages' links),
      // which must not leave for a tracing backend.
      span.setAttribute('url.path', request.url.split('?', 1)[0]);
    },
  });
  fastifyOtel.setTracerProvider(provider);
  // Paystack's HTTP exchanges (undici, seen through diagnostics_channel), under the
  // paystack call's span; never a root of their own.
  const undici = new UndiciInstrumentation({ requireParentforSpans: true });
  undici.setTracerProvider(provider);
  undici.enable();

  slot.tracer = createCallTracer(provider.getTracer('it360acad'));

  return {
    plugin: fastifyOtel.plugin(),
    traceOf(request: FastifyRequest) {
      const span = request.opentelemetry().span;
      return span ? { span, traceId: span.spanContext().traceId } : undefined;
    },
    stats: () => stats,
    async shutdown() {
      slot.tracer = undefined;
      undici.disable();
      fastifyOtel.disable();
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([
        provider.shutdown().then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), TRACE_EXPORT.shutdownFlushMillis);
        }),
      ]);
      clearTimeout(timer);
      if (!flushed)
        logger.warn({ dependency: 'tracing', queued: stats.queued }, 'tracing: the last spans were not all exported at shutdown');
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}
