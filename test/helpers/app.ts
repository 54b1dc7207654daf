import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';

import { loadConfig } from '../../src/config/index.ts';
import { type Container, createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';
import type { DependencyCallEvent } from '../../src/resilience/policy.ts';
import { onTestEnd } from './children.ts';
import { createTestSchema, type TestSchema } from './db.ts';

export interface TestApp {
  c: Container;
  schema: TestSchema;
  /** Every log record the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every dependency call the app made (database, cache, paystack), in order. */
  calls: DependencyCallEvent[];
  inject: Container['app']['inject'];
}

/**
 * Builds the whole service (real PostgreSQL in a schema of its own, the given env on
 * top of test defaults) and tears it down when the test ends.
 */
export async function buildTestApp(t: TestContext, env: Record<string, string> = {}, opts: { schema?: TestSchema } = {}): Promise<TestApp> {
  const schema = opts.schema ?? (await createTestSchema());
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: schema.url,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'it360-')),
    LOG_LEVEL: 'info',
    FAULT_INJECTION: 'true',
    // These apps run in the test's own process, beside its load loops and other test files
    // on a shared machine that can starve a process of CPU for over a second; shedding on
    // a stalled loop is the machine's doing there, and not what these tests examine.
    MAX_EVENT_LOOP_DELAY_MS: '10000',
    ...env,
  });
  const logger = createLogger(config.logLevel, sink);
  const calls: DependencyCallEvent[] = [];
  const c = await createContainer(config, logger, { print: () => undefined, onDependencyCall: (e) => calls.push(e) });
  await c.app.ready();
  onTestEnd(
    t,
    () => c.close(),
    () => (opts.schema ? undefined : schema.release(t)),
  );
  return { c, schema, logs, calls, inject: c.app.inject.bind(c.app) };
}

export const json = (body: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(body) });
