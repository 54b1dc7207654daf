/**
 * The change feed: how every process learns, within milliseconds, that data it may
 * have cached is out of date, that a user's access tokens were revoked, and that a
 * session (a refresh-token family, the access tokens' `sid`) ended.
 *
 * Why this design: correctness must never depend on a DEL reaching Redis. So each
 * cached scope ("users", "courses") has a version row in PostgreSQL that a write bumps
 * in its own transaction, and cache keys embed the version. The writer applies the new
 * version locally before it answers (same-process reads are never stale); the same
 * transaction sends a NOTIFY that every other process receives on a LISTEN connection
 * (cross-process staleness is bounded by NOTIFY delivery: milliseconds). Entries
 * cached under an old version are simply never read again and expire by TTL, even if
 * Redis was hung during the write and comes back with them.
 *
 * When the LISTEN connection is down a process cannot know what it missed, so it
 * reports itself unhealthy: the cache is bypassed and token checks read the database
 * until the connection is back and every version has been re-read.
 *
 * LISTEN needs a direct session, not a transaction-mode pooler: DATABASE_LISTEN_URL.
 */
import { createHash } from 'node:crypto';

import { ExponentialBackoff, type IBackoff, noJitterGenerator } from 'cockatiel';
import pg from 'pg';
import type { Logger } from 'pino';

import { asTask } from '../../resilience/call-tracing.ts';
import type { Database, Queryable } from '../database/client.ts';

/**
 * Deployments (or test schemas) sharing one PostgreSQL database must not hear each
 * other's changes, nor share cache keys: both are derived from the database and schema.
 */
function channelFor(namespace: string): string {
  return `it360_changes_${createHash('sha1').update(namespace).digest('hex').slice(0, 16)}`;
}

export interface Change {
  /** New versions of the scopes a write touched. */
  scopes: Record<string, number>;
  /** New token versions of users whose tokens a write revoked. */
  tokens?: [userId: string, tokenVersion: number][];
  /** Sessions (access tokens' `sid`) a write ended. */
  sessions?: string[];
}

export interface ChangeFeed {
  /** The current version of a scope, or undefined when this process cannot be sure of it. */
  version(scope: string): number | undefined;
  /**
   * The lowest token version still valid for a user: 0 for most, or undefined when the
   * feed is down (the caller must then ask the database).
   */
  minTokenVersion(userId: string): number | undefined;
  /**
   * Whether a session ended (within the access-token lifetime, the only time that
   * matters): true or false, or undefined when the feed is down (ask the database).
   */
  sessionEnded(sessionId: string): boolean | undefined;
  /** Inside a write transaction: bumps the scopes, records revoked tokens and ended sessions, sends the NOTIFY. */
  publish(tx: Queryable, scopes: string[], tokens?: [string, number][], sessions?: string[]): Promise<Change>;
  /** After the transaction committed: makes the change visible in this process at once. */
  apply(change: Change): void;
  healthy(): boolean;
  /** "database.schema": prefixes cache keys so deployments sharing a Redis never mix. */
  namespace(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChangeFeedOptions {
  db: Database;
  /** Direct connection for LISTEN; undefined in embedded mode (one process, nothing to hear). */
  listenUrl: string | undefined;
  connectTimeoutMs: number;
  logger: Logger;
  /** Called after every applied change (local or remote), e.g. to drop in-process cache tiers. */
  onChange?: (change: Change, origin: 'local' | 'remote') => void;
  /**
   * How long an ended session is remembered: the access-token lifetime plus the clock
   * tolerance, after which every access token of that session has expired anyway.
   * Memory is bounded by the sessions ended within that window.
   */
  sessionMemoryMs?: number;
  /** Sessions ended within the last `withinS` seconds (the auth repository's read), re-read on every (re)connect. */
  loadEndedSessions?: (withinS: number) => Promise<string[]>;
  /**
   * Users whose token version is above 0, as [userId, tokenVersion] (the users table's
   * read), re-read on every (re)connect. Defaults to reading `users` directly.
   */
  loadTokenVersions?: () => Promise<[userId: string, tokenVersion: number][]>;
}

/**
 * Reconnect backoff for the LISTEN connection: 100 ms first (a restarted PostgreSQL or a
 * dropped session is usually back at once), doubling (exponent 2), capped at 5 s so a long
 * outage costs one attempt every 5 s, not a busy loop. No jitter: one connection per
 * process, and processes lose it at different times anyway.
 */
const RECONNECT_BACKOFF = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000, exponent: 2, generator: noJitterGenerator });

/** Today's read of the token versions, until the users module passes its own. */
function tokenVersionsFrom(db: Database): () => Promise<[string, number][]> {
  return async () => {
    const rows = await db.query<{ id: string; token_version: number }>(
      'changes.load_tokens',
      'SELECT id, token_version FROM users WHERE token_version > 0',
    );
    return rows.map((r) => [r.id, r.token_version]);
  };
}

export function createChangeFeed(o: ChangeFeedOptions): ChangeFeed {
  const versions = new Map<string, number>();
  const tokenVersions = new Map<string, number>();
  // Ended session id -> when this process learnt it (ms). Insertion order is time
  // order, so forgetting the old ones stops at the first young one.
  const endedSessions = new Map<string, number>();
  const sessionMemoryMs = o.sessionMemoryMs ?? 0;
  let listening = o.listenUrl === undefined; // embedded: this process sees every write itself
  let loaded = false;
  let client: pg.Client | undefined;
  let stopped = false;
  // The current reconnect delay; undefined while connected (the next loss starts at the first delay).
  let backoff: IBackoff<unknown> | undefined;
  let stopping: Promise<void> | undefined;
  const loadTokenVersions = o.loadTokenVersions ?? tokenVersionsFrom(o.db);
  let reconnectTimer: NodeJS.Timeout | undefined;
  let namespace = '';
  let channel = '';

  function merge(change: Change): void {
    for (const [scope, v] of Object.entries(change.scopes)) {
      if ((versions.get(scope) ?? -1) < v) versions.set(scope, v);
    }
    for (const [userId, tv] of change.tokens ?? []) {
      if ((tokenVersions.get(userId) ?? 0) < tv) tokenVersions.set(userId, tv);
    }
    const now = performance.now();
    for (const sid of change.sessions ?? []) {
      endedSessions.delete(sid);
      endedSessions.set(sid, now);
    }
    forgetOldSessions(now);
  }

  function forgetOldSessions(now: number): void {
    for (const [sid, at] of endedSessions) {
      if (now - at <= sessionMemoryMs) break;
      endedSessions.delete(sid);
    }
  }

  // A full re-read (at start and after the listening connection came back): with tracing
  // on, a trace of its own with its three reads.
  const reload = (): Promise<void> =>
    asTask('change-feed', 'reload', async () => {
      const scopes = await o.db.query<{ scope: string; version: number }>(
        'changes.load_versions',
        'SELECT scope, version FROM cache_versions',
      );
      const tokens = await loadTokenVersions();
      const sessions = o.loadEndedSessions ? await o.loadEndedSessions(Math.ceil(sessionMemoryMs / 1000)) : [];
      merge({ scopes: Object.fromEntries(scopes.map((r) => [r.scope, r.version])), tokens, sessions });
      loaded = true;
    });

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    backoff = backoff ? backoff.next(undefined) : RECONNECT_BACKOFF.next();
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, backoff.duration);
  }

  async function connect(): Promise<void> {
    if (stopped || !o.listenUrl) return;
    const c = new pg.Client({
      connectionString: o.listenUrl,
      connectionTimeoutMillis: o.connectTimeoutMs, // same bound as any other connection
      keepAlive: true, // a silently dead LISTEN session must be noticed, or we would trust stale versions
      application_name: 'it360acad-listen',
    });
    const lost = (why: string) => {
      if (client !== c) return;
      client = undefined;
      if (listening)
        o.logger.error(
          { dependency: 'database', op: 'changes.listen', outcome: 'error', errorCode: why },
          'change feed lost: cache bypassed and tokens checked in the database until it is back',
        );
      listening = false;
      c.removeAllListeners();
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
      scheduleReconnect();
    };
    client = c;
    c.on('error', (err) => lost((err as { code?: string }).code ?? err.message));
    c.on('end', () => lost('connection_ended'));
    c.on('notification', (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      try {
        const change = JSON.parse(msg.payload) as Change;
        merge(change);
        o.onChange?.(change, 'remote');
      } catch {
        o.logger.warn({ op: 'changes.notification' }, 'unreadable change notification ignored');
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      // Re-read after LISTEN is in place: anything committed before is in the reload,
      // anything after arrives as a notification. Nothing falls in between.
      await reload();
      if (client !== c) return;
      if (!listening) o.logger.info({ dependency: 'database', op: 'changes.listen', outcome: 'ok' }, 'change feed listening');
      listening = true;
      backoff = undefined;
    } catch (err) {
      lost((err as { code?: string }).code ?? (err as Error).message);
    }
  }

  return {
    version: (scope) => (listening && loaded ? versions.get(scope) : undefined),
    minTokenVersion: (userId) => (listening && loaded ? (tokenVersions.get(userId) ?? 0) : undefined),
    sessionEnded(sessionId) {
      if (!listening || !loaded) return undefined;
      forgetOldSessions(performance.now());
      return endedSessions.has(sessionId);
    },
    healthy: () => listening && loaded,
    namespace: () => namespace,
    async publish(tx, scopes, tokens, sessions) {
      const rows = scopes.length
        ? await tx.query<{ scope: string; version: number }>(
            'changes.bump',
            'UPDATE cache_versions SET version = version + 1 WHERE scope = ANY($1::text[]) RETURNING scope, version',
            [scopes],
          )
        : [];
      const change: Change = { scopes: Object.fromEntries(rows.map((r) => [r.scope, r.version])) };
      if (tokens?.length) change.tokens = tokens;
      if (sessions?.length) change.sessions = sessions;
      await tx.query('changes.notify', 'SELECT pg_notify($1, $2)', [channel, JSON.stringify(change)]);
      return change;
    },
    apply(change) {
      merge(change);
      o.onChange?.(change, 'local');
    },
    async start() {
      // Startable again after stop (a test's stand-in for a lost and regained connection).
      stopped = false;
      stopping = undefined;
      const rows = await o.db.query<{ db: string; schema: string }>(
        'changes.namespace',
        'SELECT current_database() AS db, current_schema() AS schema',
      );
      namespace = `${rows[0].db}.${rows[0].schema}`;
      channel = channelFor(namespace);
      if (o.listenUrl) await connect();
      else await reload();
    },
    /** Idempotent: a second call returns the first call's promise (until the next start). */
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (reconnectTimer) clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        const c = client;
        client = undefined;
        listening = false;
        if (c) await c.end().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
