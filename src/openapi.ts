import { type AppDeps, buildApp } from './app.ts';
import { loadConfig } from './config/index.ts';
import { createLogger } from './logger.ts';

/** A route as the router knows it: documented in the OpenAPI document or hidden from it. */
export interface RouteEntry {
  method: string;
  url: string;
  hidden: boolean;
}

/**
 * Builds the app with services that are never called (no route runs), so reading its
 * routes needs no database.
 */
export async function buildInertApp(onRoute?: AppDeps['onRoute']): Promise<Awaited<ReturnType<typeof buildApp>>> {
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
    devMailbox: { host: config.host },
    onRoute,
  } as unknown as AppDeps;
  const app = await buildApp(deps);
  await app.ready();
  return app;
}

async function withInertApp<T>(read: (app: Awaited<ReturnType<typeof buildApp>>) => T, onRoute?: AppDeps['onRoute']): Promise<T> {
  const app = await buildInertApp(onRoute);
  const out = read(app);
  await app.close();
  return out;
}

/** The OpenAPI document, from the route schemas alone. */
export async function generateOpenApi(): Promise<unknown> {
  return withInertApp((app) => app.swagger());
}

/** Every route the app serves, hidden ones included (HEAD twins of GET routes left out). */
export async function listRoutes(): Promise<RouteEntry[]> {
  const routes: RouteEntry[] = [];
  await withInertApp(
    () => undefined,
    (r) => {
      if (r.method !== 'HEAD') routes.push(r);
    },
  );
  return routes;
}
