import { buildApp, type AppDeps } from './app.ts';
import { loadConfig } from './config/index.ts';
import { createLogger } from './logger.ts';

/**
 * The OpenAPI document comes from the route schemas alone. The app is built with
 * services that are never called (no route runs), so generating it needs no database.
 */
export async function generateOpenApi(): Promise<unknown> {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not available while generating the API reference')) });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const deps = {
    config,
    logger: createLogger('silent'),
    auth: unused,
    users: unused,
    courses: unused,
    payments: unused,
    enrollments: unused,
    operations: { readiness: unused },
  } as unknown as AppDeps;
  const app = await buildApp(deps);
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}
