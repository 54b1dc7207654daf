import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import { type AppDeps, buildApp } from './app.ts';
import {
  createAccountTokenRepository,
  createAuthModule,
  createPaymentNotices,
  createRefreshTokenRepository,
  createTokenService,
} from './auth/index.ts';
import { ensureBootstrapAdmin, seedDemoData } from './bootstrap.ts';
import type { Config } from './config/index.ts';
import { createCoursesModule } from './courses/index.ts';
import { createCourseRepository } from './courses/repository.ts';
import { createEnrollmentsModule } from './enrollments/index.ts';
import { createEnrollmentRepository } from './enrollments/repository.ts';
import { QUIET_ROUTES } from './http/lifecycle.ts';
import { createCachedRead } from './infra/cache/cached-read.ts';
import { createWindowCounters } from './infra/cache/counters.ts';
import { type CacheStore, openCache } from './infra/cache/index.ts';
import { type ChangeFeed, createChangeFeed } from './infra/changes/feed.ts';
import { type Database, openDatabase } from './infra/database/index.ts';
import { migrate } from './infra/database/migrate.ts';
import { MAILBOX_PATH, openMail } from './infra/mail/index.ts';
import { createPaystackGateway } from './infra/paystack/gateway.ts';
import { openPaystack } from './infra/paystack/index.ts';
import { startTracing } from './infra/telemetry/index.ts';
import { createLearningModule, createLessonRepository, createProgressRepository } from './learning/index.ts';
import { createMailModule, createMailOutbox, createSealer, type MailOutbox, type MailSender, messageIdDomain } from './mail/index.ts';
import { createTelemetry, type Telemetry } from './operations/index.ts';
import { createPaymentsModule, type PaymentService, startReconciler } from './payments/index.ts';
import { createPaymentRepository } from './payments/repository.ts';
import { type DependencyHooks, mailSendBudgetMs } from './resilience/policies.ts';
import type { DependencyCallEvent, DependencyPolicy } from './resilience/policy.ts';
import { createClosers } from './shared/closers.ts';
import { sqlStateMeaning } from './shared/sqlstate.ts';
import { createUsersModule } from './users/index.ts';
import { createUserRepository, type UserRepository } from './users/repository.ts';

export interface Container {
  config: Readonly<Config>;
  payments: PaymentService;
  paystackPolicy: DependencyPolicy;
  /** The in-process Paystack simulator, when no PAYSTACK_SECRET_KEY was given (never in production). */
  simulatorUrl?: string;
  /** Tells the container where the service listens (callback links, the simulator's webhooks). */
  listening(address: string): void;
  logger: Logger;
  db: Database;
  feed: ChangeFeed;
  cacheStore: CacheStore;
  cachePolicy: DependencyPolicy;
  users: UserRepository;
  /** The outbox's writing side: modules enqueue mail in their own transactions (the sender delivers it). */
  mailOutbox: MailOutbox;
  /** The background sender (running unless startMailSender was false; tests may call runOnce/wake). */
  mailSender: MailSender;
  mailPolicy: DependencyPolicy;
  app: FastifyInstance;
  /** What runs where, for the start banner. */
  components: { database: string; cache: string; paystack: string; mail: string; mailbox: string };
  close(): Promise<void>;
}

export interface ContainerOptions {
  /**
   * Apply BOOTSTRAP_ADMIN_* (default true). The CLI says false: `create-admin` is how an
   * operator settles the case where the bootstrap refuses to start.
   */
  bootstrapAdmin?: boolean;
  /** Called for every dependency call (metrics); logs are written here already. */
  onDependencyCall?: (e: DependencyCallEvent) => void;
  /** Where the one-time demo password goes (the terminal, never the log). */
  print?: (s: string) => void;
  /** Skip migrations (a supervisor already ran them). */
  skipMigrations?: boolean;
  /** Run the payment reconciler in the background (the server does; tests drive it by hand). */
  startReconciler?: boolean;
  /** Run the mail sender in the background (default true: mail enqueued anywhere gets delivered; the CLI says false). */
  startMailSender?: boolean;
  /** The embedded database's address when the supervisor already runs it (DATABASE_URL unset). */
  embeddedDatabaseUrl?: string;
  /** Told about finished requests and requests past their deadline (the supervisor's counters). */
  lifecycle?: AppDeps['lifecycle'];
}

/**
 * Outside production with no JWT_SECRET, a random secret is kept in DATA_DIR so that
 * restarts and sibling workers accept each other's tokens.
 */
function devJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  // Written aside and linked into place: sibling workers starting together never read a
  // created but not yet written file (an empty secret), and exactly one secret wins.
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, randomBytes(48).toString('base64url'), { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch {
    // A sibling linked its secret first; everyone uses that one.
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(file, 'utf8').trim();
}

/** The composition root: opens the dependencies, builds the modules, then the app. */
export async function createContainer(config: Readonly<Config>, logger: Logger, opts: ContainerOptions = {}): Promise<Container> {
  const closers = createClosers((err) => logger.warn({ err }, 'error while closing'));
  try {
    // Traces (only with an OTLP endpoint configured), shut down last: the final spans are flushed after everything else closed.
    const tracing = await startTracing(config, logger, (p) => QUIET_ROUTES.has(p));
    if (tracing) closers.push(() => tracing.shutdown());
    // Metrics and the /ops window, fed by every dependency's hooks.
    const telemetry = createTelemetry();
    closers.push(async () => telemetry.close());
    const hooks: DependencyHooks = {
      logger,
      onCall: dependencyCallReporter(logger, telemetry, opts.onDependencyCall),
      onSlowCall: telemetry.onSlowCall,
      onStateChange: telemetry.onBreakerChange,
    };

    // --- Dependencies: each front door makes its own choice and builds its own policy.
    const database = await openDatabase(config, hooks, { embeddedUrl: opts.embeddedDatabaseUrl });
    closers.push(() => database.close());
    const { db, engine } = database;
    if (!opts.skipMigrations) await migrate(db, logger);
    const settings = await db.verifySessionSettings();
    for (const p of settings.problems) logger.error({ dependency: 'database', op: 'verify_settings' }, p);

    const feed = createChangeFeed({
      db,
      listenUrl: engine === 'pglite' ? undefined : config.databaseListenUrl,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      logger,
      // An ended session matters while one of its access tokens can still be accepted:
      // the token lifetime plus the 5 s clock tolerance, plus a minute for clock drift
      // between this process and the database.
      sessionMemoryMs: (config.jwtAccessTtlS + 5 + 60) * 1000,
      loadEndedSessions: (withinS) => refreshTokens.endedSince(withinS),
    });
    // The refresh_tokens table's owner; the feed re-reads ended sessions through it.
    const refreshTokens = createRefreshTokenRepository(db, feed);
    closers.push(() => feed.stop());
    await feed.start();

    const cacheDep = openCache(config, hooks);
    closers.push(() => cacheDep.close());
    const cache = createCachedRead({
      store: cacheDep.store,
      policy: cacheDep.policy,
      feed,
      logger,
      prefix: () => feed.namespace(),
      disabled: config.cacheDisabled,
      // Versioned keys make the TTL irrelevant to freshness; it only bounds memory.
      ttlS: 300,
      localMaxBytes: config.cacheL1MaxBytes,
      onOutcome: telemetry.onCacheOutcome,
    });

    const paystackDep = await openPaystack(config, hooks);
    closers.push(() => paystackDep.close());
    const mailDep = openMail(config, hooks, { db });
    closers.push(() => mailDep.close());

    // --- Modules.
    const users = createUserRepository(db, feed, refreshTokens);
    const courseRepo = createCourseRepository(db, feed);
    const progressRepo = createProgressRepository(db);
    // A full refund ends the enrollment and, in the same transaction, revokes the certificate.
    const enrollmentRepo = createEnrollmentRepository(db, { onEnded: (tx, e) => progressRepo.revoke(tx, e.userId, e.courseId) });
    const jwtSecret = config.jwtSecret ?? devJwtSecret(path.resolve(config.dataDir));
    const tokens = createTokenService({ secret: jwtSecret, accessTtlS: config.jwtAccessTtlS });
    // One outbox for every module; token-bearing bodies are sealed under the JWT secret,
    // which the sender uses to open them (the same secret in every worker and restart).
    const sealer = createSealer(jwtSecret);
    const mailOutbox = createMailOutbox({ sealer, messageIdDomain: messageIdDomain(config.mailFrom) });
    const mail = createMailModule({
      db,
      databasePolicy: db.policy,
      mail: mailDep,
      sealer,
      mailFrom: config.mailFrom,
      sendBudgetMs: mailSendBudgetMs(config),
      host: config.host,
      opsToken: config.opsToken,
      logger,
      onFate: telemetry.onMailFate,
    });
    telemetry.track({
      breakers: { database: db.policy, cache: cacheDep.policy, paystack: paystackDep.policy, mail: mailDep.policy },
      poolStats: () => db.poolStats(),
      outboxStats: () => mail.cachedStats(),
      cacheLocal: () => cache.local.stats(),
      traceExport: tracing ? () => tracing.stats() : undefined,
      // Read at scrape time, once the app below exists.
      hitLane: () => app.hitLane?.stats,
    });
    if (opts.startMailSender !== false) {
      mail.sender.start();
      // Stopped before the database closes (closers run last-opened first).
      closers.push(() => mail.sender.stop());
    }
    // Links in mails point at PUBLIC_URL, or (outside production) where the service listens.
    let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
    const publicOrigin = () => publicUrl.replace(/\/+$/, '');
    const accountTokens = createAccountTokenRepository(db);
    const usersModule = createUsersModule({ users, cache });
    const auth = createAuthModule({
      users,
      refreshTokens,
      tokens,
      revocations: feed,
      refreshTtlS: config.jwtRefreshTtlS,
      accessTtlS: config.jwtAccessTtlS,
      accountTokens,
      outbox: mailOutbox,
      publicUrl: publicOrigin,
      passwordResetTtlS: config.passwordResetTtlS,
      emailVerifyTtlS: config.emailVerifyTtlS,
      userService: usersModule.service,
    });
    const courses = createCoursesModule({ courses: courseRepo, cache });
    // The same cache entries the courses module reads: a course edit is seen by both at once.
    const loadCourse = async (idOrSlug: string) =>
      (await cache.read('courses', `one:${idOrSlug}`, async () => (await courseRepo.findByIdOrSlug(idOrSlug)) ?? null)).value ?? undefined;
    const lessonRepo = createLessonRepository(db, feed);
    const learning = createLearningModule({
      lessons: lessonRepo,
      progress: progressRepo,
      loadCourse,
      isEnrolled: (userId, courseId) => enrollmentRepo.isEnrolled(userId, courseId),
      cache,
      videoHosts: config.lessonVideoHosts,
    });
    const enrollments = createEnrollmentsModule({
      enrollments: enrollmentRepo,
      courses: courseRepo,
      progressOf: (userId, courseIds) => learning.service.progressOf(userId, courseIds),
    });

    const payments = createPaymentsModule({
      payments: createPaymentRepository(db),
      enrollments: enrollmentRepo,
      courses: courseRepo,
      gateway: createPaystackGateway({ client: paystackDep.client, secretKey: paystackDep.secretKey }),
      notices: createPaymentNotices({
        users,
        accountTokens,
        outbox: mailOutbox,
        publicUrl: publicOrigin,
        emailVerifyTtlS: config.emailVerifyTtlS,
      }),
      logger,
      publicUrl: publicOrigin,
      callbackAllowlist: config.callbackUrlAllowlist,
      verifyWaitMs: config.paystackVerifyWaitMs,
      requestTimeoutMs: config.requestTimeoutMs,
      replyMarginMs: config.replyMarginMs,
      reconcileMinAgeMs: config.reconcileMinAgeMs,
      reconcileIntervalMs: config.reconcileIntervalMs,
    });
    const paymentService = payments.service;
    if (opts.startReconciler) {
      const reconciler = startReconciler({ payments: paymentService, intervalMs: config.reconcileIntervalMs, logger });
      closers.push(() => reconciler.stop());
    }

    if (opts.bootstrapAdmin !== false && config.bootstrapAdminEmail && config.bootstrapAdminPassword) {
      await ensureBootstrapAdmin(users, config.bootstrapAdminEmail, config.bootstrapAdminPassword, logger);
    }
    // Demo data only ever goes into the embedded database, never a DATABASE_URL one.
    if (engine === 'pglite')
      await seedDemoData(
        users,
        courseRepo,
        { create: (courseId, f) => lessonRepo.create(courseId, f), videoHosts: config.lessonVideoHosts },
        opts.print ?? ((s) => process.stdout.write(s)),
      );

    const app = await buildApp({
      config,
      logger,
      // Rate-limit counters share the cache's Redis connection and its policy (one breaker per dependency).
      counters: createWindowCounters({ redis: cacheDep.store.redis, policy: cacheDep.policy, namespace: () => feed.namespace() }),
      auth: auth.service,
      users: usersModule.service,
      courses: courses.service,
      payments: paymentService,
      enrollments: enrollments.service,
      learning: learning.service,
      operations: {
        readiness: {
          database: { policy: db.policy, probe: async () => void (await db.query('readyz.database', 'SELECT 1')) },
          cache: {
            policy: cacheDep.policy,
            probe: () => cacheDep.store.ping(),
            kind: cacheDep.store.kind,
            explain: cacheDep.store.explain?.bind(cacheDep.store),
          },
          paystack: { policy: paystackDep.policy, recentFailureRatio: () => telemetry.failureRatio('paystack') },
          mail: { policy: mailDep.policy, recentFailureRatio: () => telemetry.failureRatio('mail'), kind: mailDep.kind },
          feedHealthy: () => feed.healthy(),
        },
        telemetry,
        opsToken: config.opsToken,
        flaggedPayments: () => paymentService.listFlagged(),
        mailOutbox: () => mail.opsView(),
      },
      devMailbox: config.isProduction ? undefined : mail.mailboxRoutes,
      faults: { db },
      lifecycle: telemetry.lifecycle(opts.lifecycle),
      tracing,
    });
    closers.push(() => app.close());

    return {
      config,
      payments: paymentService,
      paystackPolicy: paystackDep.policy,
      simulatorUrl: paystackDep.simulatorUrl,
      listening(address: string) {
        if (!config.publicUrl) publicUrl = address;
        paystackDep.listening(address);
      },
      logger,
      db,
      feed,
      cacheStore: cacheDep.store,
      cachePolicy: cacheDep.policy,
      users,
      mailOutbox,
      mailSender: mail.sender,
      mailPolicy: mailDep.policy,
      app,
      components: {
        database: database.description,
        cache: cacheDep.description,
        paystack: paystackDep.description,
        mail: mailDep.description,
        mailbox: mailDep.mailbox ? MAILBOX_PATH : '',
      },
      close: closers.close,
    };
  } catch (err) {
    await closers.close();
    throw err;
  }
}

/** Every dependency call goes to telemetry and the caller's hook; a failed one also gets a warn line. */
function dependencyCallReporter(logger: Logger, telemetry: Telemetry, extra?: (e: DependencyCallEvent) => void) {
  return (e: DependencyCallEvent) => {
    telemetry.onDependencyCall(e);
    extra?.(e);
    // A call its caller abandoned (client gone) is the request's story, told by its own line.
    if (e.outcome === 'ok' || e.errorCode === 'caller_gone') return;
    // One warn line per failed dependency call, naming dependency, operation and request.
    const meaning = e.dependency === 'database' && e.errorCode ? sqlStateMeaning(e.errorCode) : undefined;
    logger.warn(
      {
        dependency: e.dependency,
        op: e.op,
        outcome: e.outcome,
        elapsedMs: e.elapsedMs,
        budgetMs: e.budgetMs,
        errorCode: e.errorCode,
        // What a SQLSTATE means (55P03: a lock not granted in time), so nobody looks it up mid-incident.
        ...(meaning ? { meaning } : {}),
        route: e.route,
      },
      `${e.dependency} ${e.op} ${e.outcome}`,
    );
  };
}
