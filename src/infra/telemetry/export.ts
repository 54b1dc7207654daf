import type { Context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What the export has done since start, read at scrape time (/metrics). */
export interface ExportStats {
  /** Spans the collector accepted. */
  exported: number;
  /** Spans not queued because the queue was full (the collector is slower than the service, or gone). */
  droppedQueueFull: number;
  /** Spans lost in exports that failed or timed out. */
  droppedExportFailed: number;
  /**
   * Exports that failed, by reason: the collector did not answer in time (timeout); the
   * exports allowed in flight were all still waiting on it, so this one was refused at once
   * (busy: what a hung collector causes between two timeouts); refused or unreachable (error).
   */
  failedExports: { timeout: number; busy: number; error: number };
  /** Spans waiting in the queue or in the export in flight. */
  queued: number;
}

export const newExportStats = (): ExportStats => ({
  exported: 0,
  droppedQueueFull: 0,
  droppedExportFailed: 0,
  failedExports: { timeout: 0, busy: 0, error: 0 },
  queued: 0,
});

/** Why an export failed, from the OTLP exporter's error ("Request timed out", "Concurrent export limit reached"). */
function failureReason(err: Error | undefined): keyof ExportStats['failedExports'] {
  if (!err) return 'error';
  const text = `${err.name} ${err.message} ${(err as { code?: string }).code ?? ''}`;
  if (/concurrent export limit/i.test(text)) return 'busy';
  if (/timeout|timed out|ETIMEDOUT|ESOCKETTIMEDOUT|aborted/i.test(text)) return 'timeout';
  return 'error';
}

/**
 * Counts what the exporter does with each batch. The SDK reports its own counts only to
 * an OpenTelemetry meter; our metrics are Prometheus, so the outcomes are counted here.
 */
export class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly stats: ExportStats,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let reported = false;
    this.inner.export(spans, (result) => {
      // Counted once, whatever the exporter does (it calls back once; this is the guard).
      if (reported) return;
      reported = true;
      this.stats.queued -= spans.length;
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length;
      else {
        this.stats.droppedExportFailed += spans.length;
        this.stats.failedExports[failureReason(result.error)]++;
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * In front of the batch processor: refuses a span once `maxQueued` are waiting (in the
 * processor's queue or in the export in flight) and counts it. The batch processor drops
 * on a full queue too, but counts only into a log line it writes later; this gate makes
 * the same decision where it can be counted, and also bounds the batch in flight, which
 * the processor's queue size does not.
 */
export class BoundedProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly stats: ExportStats,
    private readonly maxQueued: number,
  ) {}

  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    // Unsampled spans are never exported: the processor ignores them, so do we.
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.stats.queued >= this.maxQueued) {
      this.stats.droppedQueueFull++;
      return;
    }
    this.stats.queued++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
