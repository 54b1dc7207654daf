/**
 * Loads the service's whole module graph (the composition root and the worker's imports),
 * asks the tracing front door to start with the endpoint given in argv[2] (or none), and
 * prints which OpenTelemetry modules are loaded: the proof that with tracing off none is.
 */
import { createRequire } from 'node:module';

const { startTracing } = await import('../../src/infra/telemetry/index.ts');
await import('../../src/container.ts');
await import('../../src/app.ts');
const { createLogger } = await import('../../src/logger.ts');
const logger = createLogger('silent');
const url = process.argv[2] || undefined;
const tracing = await startTracing({ otelTracesUrl: url, otelServiceName: 'probe', otelProtocol: 'http/json' }, logger, () => false);
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /@opentelemetry|@fastify[\\/]otel/.test(p));
await tracing?.shutdown();
process.stdout.write(`${JSON.stringify({ tracing: tracing !== undefined, loaded })}\n`);
