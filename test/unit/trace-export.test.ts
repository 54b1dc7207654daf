import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { BoundedProcessor, CountingExporter, newExportStats } from '../../src/infra/telemetry/export.ts';

const span = (sampled = true) => ({ spanContext: () => ({ traceFlags: sampled ? 1 : 0 }) }) as unknown as ReadableSpan;

test('the bounded processor refuses spans past its bound and counts them; unsampled spans are not its business', () => {
  const stats = newExportStats();
  const passed: ReadableSpan[] = [];
  const inner = { onEnd: (s: ReadableSpan) => passed.push(s), onStart: () => undefined } as unknown as SpanProcessor;
  const p = new BoundedProcessor(inner, stats, 3);
  for (let i = 0; i < 5; i++) p.onEnd(span());
  p.onEnd(span(false));
  assert.equal(passed.length, 3);
  assert.equal(stats.queued, 3);
  assert.equal(stats.droppedQueueFull, 2);
  p.onStart({} as Span, {} as never);
});

test('the counting exporter counts accepted spans, failed exports by reason, and frees the queue either way', () => {
  const stats = newExportStats();
  stats.queued = 10;
  let answer: ExportResult = { code: ExportResultCode.SUCCESS };
  const inner = {
    export: (_s: ReadableSpan[], done: (r: ExportResult) => void) => done(answer),
    shutdown: async () => undefined,
  } as SpanExporter;
  const e = new CountingExporter(inner, stats);
  const results: ExportResult[] = [];
  e.export([span(), span()], (r) => results.push(r));
  answer = { code: ExportResultCode.FAILED, error: new Error('Request timed out') };
  e.export([span(), span(), span()], (r) => results.push(r));
  answer = { code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') };
  e.export([span()], (r) => results.push(r));
  answer = { code: ExportResultCode.FAILED, error: new Error('Concurrent export limit reached') };
  e.export([span()], (r) => results.push(r));
  assert.equal(results.length, 4);
  assert.deepEqual(stats, {
    exported: 2,
    droppedQueueFull: 0,
    droppedExportFailed: 5,
    failedExports: { timeout: 1, busy: 1, error: 1 },
    queued: 3,
  });
});
