/**
 * Every environment variable the service reads, declared once. The loader validates
 * against this table, `.env.example` is checked against it by a test, and `doctor`
 * reads the same descriptions, so the three can never disagree.
 */

export type VarKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string'; minLength?: number }
  | { type: 'url'; protocols: string[] }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'bool' }
  | { type: 'list' };

export interface VarSpec {
  kind: VarKind;
  /** Used when the variable is unset or empty. `undefined` means "optional, no value". */
  default?: string;
  group: string;
  doc: string;
}

const ms = (min: number, max: number): VarKind => ({ type: 'int', min, max });

export const VARIABLES = {
  // --- server
  NODE_ENV: {
    kind: { type: 'enum', values: ['development', 'production', 'test'] },
    default: 'development',
    group: 'Server',
    doc: 'production refuses embedded/simulated defaults, weak secrets and the fault routes',
  },
  HOST: { kind: { type: 'string', minLength: 1 }, default: '127.0.0.1', group: 'Server', doc: 'listen address (0.0.0.0 in containers)' },
  PORT: { kind: { type: 'int', min: 0, max: 65535 }, default: '3000', group: 'Server', doc: 'listen port (0 picks a free one)' },
  PASSWORD_RESET_TTL_S: {
    kind: { type: 'int', min: 60, max: 86400 },
    default: '1800',
    group: 'Auth',
    doc: 'how long a password-reset link works: 30 minutes is long enough to read the mail, short enough that an old mailbox is no key',
  },
  EMAIL_VERIFY_TTL_S: {
    kind: { type: 'int', min: 60, max: 2592000 },
    default: '604800',
    group: 'Auth',
    doc: 'how long an email-verification link works (7 days: it proves the address, not the person at the keyboard)',
  },
  PUBLIC_URL: {
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    group: 'Server',
    doc: "the service's public origin, for payment callback links (default http://HOST:PORT)",
  },
  LOG_LEVEL: {
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    group: 'Server',
    doc: 'pino log level',
  },
  // Unset is right for almost everyone: a person at a terminal reads pretty lines, a log
  // collector (and `npm run logs:summary`) reads JSON. The override is for the rest: JSON
  // in a terminal to pipe into jq, pretty into a file or through `npm run dev | tee`.
  LOG_FORMAT: {
    kind: { type: 'enum', values: ['json', 'pretty'] },
    group: 'Server',
    doc: 'json (one record per line) or pretty (coloured, for a person); unset = pretty when stdout is a terminal and NODE_ENV is not production, JSON otherwise',
  },
  TRUST_PROXY: {
    kind: { type: 'string' },
    default: 'false',
    group: 'Server',
    doc: 'false, true, a hop count, or a comma list of proxy addresses/CIDRs whose X-Forwarded-For is believed',
  },
  CORS_ORIGINS: {
    kind: { type: 'list' },
    default: '',
    group: 'Server',
    doc: 'comma list of browser origins allowed to call the API (none by default)',
  },
  WEB_CONCURRENCY: {
    kind: { type: 'int', min: 1, max: 64 },
    group: 'Server',
    doc: 'worker processes per instance (default: CPU count; always 1 with the embedded database)',
  },
  MAX_EVENT_LOOP_DELAY_MS: {
    kind: ms(100, 60000),
    default: '1000',
    group: 'Server',
    doc: 'an event loop that stalled this long sheds new requests (503 overloaded) until it recovers: a second of stall means everything queued already waits that long',
  },
  MAX_INFLIGHT_REQUESTS: {
    kind: { type: 'int', min: 1, max: 100000 },
    default: '1000',
    group: 'Server',
    doc: 'per process; above it, 503 overloaded at once',
  },
  // 4096: four times MAX_INFLIGHT_REQUESTS, so idle keep-alive clients fit beside the
  // busy ones, and few enough that a flood of idle or slow sockets (each holds a file
  // descriptor and some tens of KiB) cannot exhaust the process's descriptors or memory.
  MAX_CONNECTIONS: {
    kind: { type: 'int', min: 1, max: 1000000 },
    default: '4096',
    group: 'Server',
    doc: 'open connections per process; a connection past it is closed at once (slow or idle clients cannot pile up)',
  },

  // --- time budgets (SPEC.md "Time budgets")
  REQUEST_TIMEOUT_MS: {
    kind: ms(100, 300000),
    default: '10000',
    group: 'Time budgets',
    doc: 'the request deadline; every dependency call inside a request gets at most the time left',
  },
  REPLY_MARGIN_MS: {
    kind: ms(0, 10000),
    default: '250',
    group: 'Time budgets',
    doc: 'time kept back from the deadline to write the answer',
  },
  WORKER_TIMEOUT_MS: {
    kind: ms(1000, 600000),
    default: '30000',
    group: 'Time budgets',
    doc: 'a worker whose event loop does not turn for this long is killed and replaced',
  },
  GRACEFUL_TIMEOUT_MS: { kind: ms(0, 600000), default: '30000', group: 'Time budgets', doc: 'drain time on shutdown and reload' },
  REDIS_CONNECT_TIMEOUT_MS: {
    kind: ms(50, 60000),
    default: '5000',
    group: 'Time budgets',
    doc: 'opening a Redis connection (outside requests)',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    kind: ms(10, 60000),
    default: '250',
    group: 'Time budgets',
    doc: 'one cache command; a cache slower than the database it shields is worse than none',
  },
  DB_CONNECT_TIMEOUT_MS: {
    kind: ms(50, 60000),
    default: '3000',
    group: 'Time budgets',
    doc: 'waiting for a pooled client or opening a new one; a full pool answers 503 after this',
  },
  DB_POOL_MAX: {
    kind: { type: 'int', min: 1, max: 1000 },
    default: '10',
    group: 'Time budgets',
    doc: 'per process; size against max_connections / (instances x workers)',
  },
  DB_STATEMENT_TIMEOUT_MS: {
    kind: ms(100, 3600000),
    default: '30000',
    group: 'Time budgets',
    doc: 'server-side statement timeout outside requests (migrations, reconciler); clipped to the deadline inside requests',
  },
  DB_LOCK_TIMEOUT_MS: {
    kind: ms(10, 600000),
    default: '2000',
    group: 'Time budgets',
    doc: 'a query waiting on a lock gives up after this and frees its connection',
  },
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: {
    kind: ms(100, 3600000),
    default: '10000',
    group: 'Time budgets',
    doc: 'the server ends a transaction left open this long',
  },
  PAYSTACK_TIMEOUT_MS: { kind: ms(100, 120000), default: '8000', group: 'Time budgets', doc: 'one Paystack attempt, body included' },
  SMTP_TIMEOUT_MS: {
    kind: ms(100, 120000),
    default: '10000',
    group: 'Time budgets',
    doc: "each SMTP stage (connect, greeting, every command's answer); mail is sent in the background, never inside a request, so it may exceed the request deadline: 10 s covers a slow provider's greeting without letting a hung server hold the sender long",
  },
  PAYSTACK_VERIFY_WAIT_MS: {
    kind: ms(50, 120000),
    default: '3000',
    group: 'Time budgets',
    doc: 'how long the verify endpoint waits for Paystack before answering with the stored status',
  },
  BREAKER_CONSECUTIVE_FAILURES: {
    kind: { type: 'int', min: 1, max: 1000 },
    default: '5',
    group: 'Time budgets',
    doc: "failures in a row that open a dependency's breaker",
  },
  BREAKER_HALF_OPEN_MS: {
    kind: ms(100, 600000),
    default: '5000',
    group: 'Time budgets',
    doc: 'how long an open breaker waits before one trial call',
  },
  RECONCILE_INTERVAL_MS: { kind: ms(100, 86400000), default: '60000', group: 'Time budgets', doc: 'how often the payment sweep runs' },
  RECONCILE_MIN_AGE_MS: {
    kind: ms(0, 86400000),
    default: '300000',
    group: 'Time budgets',
    doc: 'how old a pending payment must be before the sweep re-verifies it',
  },
  JWT_ACCESS_TTL_S: { kind: { type: 'int', min: 10, max: 86400 }, default: '900', group: 'Auth', doc: 'access token lifetime' },
  JWT_REFRESH_TTL_S: { kind: { type: 'int', min: 60, max: 31536000 }, default: '2592000', group: 'Auth', doc: 'refresh token lifetime' },
  // 10 per 15 minutes: a person who mistypes rarely fails ten times running, and a guesser
  // is held to about a thousand tries a day against one account from one address. Counted
  // per (account, address), so nobody else's guesses can use up the owner's allowance.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: {
    kind: { type: 'int', min: 1, max: 10000 },
    default: '10',
    group: 'Auth',
    doc: 'failed logins per account (email) from one client address in 15 minutes before that address gets 429 for that account; counted in Redis when set, else per process',
  },
  // 50 per 15 minutes: a classroom behind one address mistyping stays under it; a
  // credential-stuffing run from one address does not.
  LOGIN_MAX_FAILURES_PER_ADDRESS: {
    kind: { type: 'int', min: 1, max: 100000 },
    default: '50',
    group: 'Auth',
    doc: 'failed logins per client address in 15 minutes before 429 (offices and campuses share one address)',
  },
  // 30 per 15 minutes: three addresses' worth of mistakes. Above it the account is being
  // guessed from many places; every attempt on it then waits, but is never refused for it
  // (refusing account-wide would let anyone lock the owner out).
  LOGIN_SLOW_AFTER_FAILURES_PER_ACCOUNT: {
    kind: { type: 'int', min: 1, max: 1000000 },
    default: '30',
    group: 'Auth',
    doc: 'failed logins per account from all addresses in 15 minutes after which each login to it waits LOGIN_SLOW_DELAY_MS (slowed, never refused)',
  },
  // 2 s: a person notices but gets in; a guesser spends a held connection per try. Kept
  // well under REQUEST_TIMEOUT_MS, and cut to a quarter of the time a request has left.
  LOGIN_SLOW_DELAY_MS: {
    kind: ms(0, 5000),
    default: '2000',
    group: 'Auth',
    doc: 'the wait added to each login of an account past LOGIN_SLOW_AFTER_FAILURES_PER_ACCOUNT',
  },
  // Password hashing is the costliest thing a caller can ask for (~50-100 ms of a core).
  // 60 a minute: a campus behind one address logging in together gets one a second,
  // a few percent of one process's hashing; a loop from one address gets no more.
  LOGIN_HASHES_PER_ADDRESS: {
    kind: { type: 'int', min: 1, max: 1000000 },
    default: '60',
    group: 'Auth',
    doc: 'login attempts (successful or not: each costs one password hash) per client address per minute before 429',
  },
  // 10 a minute: a person logs in a few times an hour, several devices included; a
  // script looping on its own account gets no more.
  LOGIN_HASHES_PER_ACCOUNT: {
    kind: { type: 'int', min: 1, max: 1000000 },
    default: '10',
    group: 'Auth',
    doc: 'login attempts (successful or not) per account from one client address per minute before 429',
  },
  // 2, the hashing pool's own size: one address can keep the hashing threads busy but
  // never queue ahead of everyone else; more at once gets 429 at once, not a queue slot.
  LOGIN_CONCURRENT_PER_ADDRESS: {
    kind: { type: 'int', min: 1, max: 1000 },
    default: '2',
    group: 'Auth',
    doc: 'logins from one client address being checked at once, per process; more at once get 429',
  },
  // 20 an hour: a class signing up together fits; a script filling the users table does not.
  REGISTER_MAX_PER_ADDRESS: {
    kind: { type: 'int', min: 1, max: 100000 },
    default: '20',
    group: 'Auth',
    doc: 'registrations per client address per hour before 429',
  },
  // 20 per 10 minutes: asking again returns the open payment, so a buyer needs a handful;
  // more only spends the Paystack rate limit the whole service shares.
  PAYMENT_INIT_MAX_PER_USER: {
    kind: { type: 'int', min: 1, max: 100000 },
    default: '20',
    group: 'Auth',
    doc: 'payment initializations per user in 10 minutes before 429 (each may call Paystack)',
  },

  // --- dependencies
  DATABASE_URL: {
    kind: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
    group: 'Dependencies',
    doc: 'PostgreSQL; unset = embedded PGlite under DATA_DIR (refused in production)',
  },
  DATABASE_LISTEN_URL: {
    kind: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
    group: 'Dependencies',
    doc: 'a direct (non-pooler) connection for LISTEN/NOTIFY cache invalidation; default DATABASE_URL',
  },
  DATA_DIR: { kind: { type: 'string', minLength: 1 }, default: './data', group: 'Dependencies', doc: 'embedded database directory' },
  // A cold start (WASM compile plus initdb) takes about 4 s on a quiet 2-core box and a warm
  // one about as long again as PGlite's own open; but on a box loaded by parallel test
  // suites 30 s ran out (WASM compilation is CPU-bound). 120 s still turns a wedged child
  // into an error rather than a hang, in a mode meant for development only.
  EMBEDDED_DB_START_TIMEOUT_MS: {
    kind: ms(1000, 600000),
    default: '120000',
    group: 'Dependencies',
    doc: 'how long the embedded database (DATABASE_URL unset) may take to start before start-up fails; raise it on a heavily loaded machine',
  },
  REDIS_URL: {
    kind: { type: 'url', protocols: ['redis:', 'rediss:'] },
    group: 'Dependencies',
    doc: 'Redis cache (rediss:// for TLS); unset = in-process LRU cache',
  },
  CACHE_DISABLED: {
    kind: { type: 'bool' },
    default: 'false',
    group: 'Dependencies',
    doc: 'true turns the cache off (every read x-cache: bypass): for baselines, or to take a misbehaving cache out at once',
  },
  CACHE_L1_MAX_BYTES: {
    kind: { type: 'int', min: 0, max: 1073741824 },
    default: '33554432',
    group: 'Dependencies',
    doc: "the in-process cache tier's size per process (0 turns it off): 32 MiB holds every page of a few thousand users and courses, a small share of a worker's heap",
  },
  PAYSTACK_SECRET_KEY: {
    kind: { type: 'string', minLength: 8 },
    group: 'Dependencies',
    doc: 'Paystack secret key (sk_test_… / sk_live_…); unset = the embedded simulator (refused in production)',
  },
  PAYSTACK_BASE_URL: {
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    default: 'https://api.paystack.co',
    group: 'Dependencies',
    doc: 'Paystack API base; production requires https:// (plain http:// only to a loopback address: a local simulator)',
  },
  SMTP_URL: {
    kind: { type: 'url', protocols: ['smtp:', 'smtps:'] },
    group: 'Dependencies',
    doc: 'mail server, smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start); unset outside production: the built-in mailbox at /dev/mailbox; required in production',
  },
  MAIL_FROM: {
    kind: { type: 'string', minLength: 3 },
    default: 'it360acad <no-reply@it360acad.local>',
    group: 'Dependencies',
    doc: 'the From of every message (its domain also names Message-IDs); use an address your provider lets you send from',
  },
  CALLBACK_URL_ALLOWLIST: {
    kind: { type: 'list' },
    default: '',
    group: 'Dependencies',
    doc: 'comma list of origins a client may name as its payment callbackUrl',
  },
  LESSON_VIDEO_HOSTS: {
    kind: { type: 'list' },
    // The two embeddable players people use most; a lesson's video is shown from a host the operator chose, never any URL.
    default: 'www.youtube.com,player.vimeo.com',
    group: 'Dependencies',
    doc: "comma list of hosts a video lesson's https URL may name",
  },

  // --- tracing (the standard OpenTelemetry variables; tracing is off while no endpoint is set)
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    group: 'Tracing',
    doc: 'turns tracing on: the OTLP/HTTP receiver (collector, Jaeger, Tempo, a vendor) traces are sent to, /v1/traces appended; unset = no tracing SDK loaded at all, and requests pay nothing for it',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    group: 'Tracing',
    doc: 'the full traces URL, used as given (wins over OTEL_EXPORTER_OTLP_ENDPOINT; either one turns tracing on)',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    kind: { type: 'enum', values: ['http/json', 'http/protobuf'] },
    default: 'http/json',
    group: 'Tracing',
    doc: "OTLP over HTTP with JSON or protobuf bodies (every OTLP/HTTP receiver takes both; JSON by default because it can be read on the wire when an export is in doubt, protobuf for a vendor's guide that names it); grpc is refused rather than silently sent over HTTP",
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    kind: { type: 'string' },
    group: 'Tracing',
    doc: "key=value pairs, comma-separated, sent with every export (a vendor's API key); read by the OpenTelemetry SDK, never logged",
  },
  OTEL_SERVICE_NAME: {
    kind: { type: 'string', minLength: 1 },
    default: 'it360acad',
    group: 'Tracing',
    doc: "the service.name traces carry: one name per deployment, so a backend's service list shows where a span came from",
  },
  OTEL_TRACES_SAMPLER: {
    kind: {
      type: 'enum',
      values: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'],
    },
    default: 'parentbased_always_on',
    group: 'Tracing',
    doc: "which requests are traced; read by the OpenTelemetry SDK. The parent-based default follows an incoming traceparent's decision and traces the rest: the export queue bounds the cost, so sampling is for the backend's bill",
  },
  OTEL_TRACES_SAMPLER_ARG: {
    kind: { type: 'string', minLength: 1 },
    group: 'Tracing',
    doc: 'the ratio for the traceidratio samplers (0.1 = one request in ten); read by the OpenTelemetry SDK',
  },

  // --- secrets and bootstrap
  JWT_SECRET: {
    kind: { type: 'string', minLength: 1 },
    group: 'Secrets',
    doc: 'HS256 signing key, at least 32 characters in production; unset outside production = a random one made at the first start and kept in DATA_DIR/jwt-secret, so restarts and workers accept the same tokens',
  },
  OPS_TOKEN: {
    kind: { type: 'string', minLength: 16 },
    group: 'Secrets',
    doc: 'bearer token for /metrics and /ops data; required in production, where it needs 32+ characters and an estimated 128 bits of entropy (openssl rand -base64 32)',
  },
  BOOTSTRAP_ADMIN_EMAIL: {
    kind: { type: 'string', minLength: 3 },
    group: 'Secrets',
    doc: 'first admin, created only while no admin exists (else ignored); an existing non-admin account with this address stops start-up, never promoted',
  },
  BOOTSTRAP_ADMIN_PASSWORD: { kind: { type: 'string', minLength: 8 }, group: 'Secrets', doc: 'its password (never logged)' },

  // --- supervisor (Gunicorn's workers / timeout / graceful_timeout / max_requests, in spirit)
  MAX_REQUESTS: {
    kind: { type: 'int', min: 0, max: 100000000 },
    default: '0',
    group: 'Supervisor',
    doc: 'a worker is replaced gracefully after serving this many requests (health probes not counted); 0 = never',
  },
  MAX_REQUESTS_JITTER: {
    kind: { type: 'int', min: 0, max: 100000000 },
    default: '0',
    group: 'Supervisor',
    doc: "adds a random 0..N to each worker's MAX_REQUESTS so workers are not all replaced at once",
  },
  // 5 within 60 s: with the back-off between boots (about 1, 2, 4, 8 s) a worker that can
  // never start fails five times in some 15-30 s, well inside the window; a one-off
  // failure (a dependency blipping during a boot) never adds up to five in a minute.
  CRASH_LOOP_BOOT_FAILURES: {
    kind: { type: 'int', min: 1, max: 1000 },
    default: '5',
    group: 'Supervisor',
    doc: 'boot failures a worker caused itself (non-zero exit, boot hang, OOM kill), within CRASH_LOOP_WINDOW_MS, that stop the supervisor (exit 3) when no worker is serving; a kill from outside does not count',
  },
  CRASH_LOOP_WINDOW_MS: {
    kind: { type: 'int', min: 1000, max: 3600000 },
    default: '60000',
    group: 'Supervisor',
    doc: 'the window in which CRASH_LOOP_BOOT_FAILURES are counted',
  },
  PID_FILE: {
    kind: { type: 'string', minLength: 1 },
    group: 'Supervisor',
    doc: 'where the supervisor writes its pid, for kill -HUP $(cat PID_FILE) (default DATA_DIR/it360acad.pid)',
  },

  // --- testing
  FAULT_INJECTION: {
    kind: { type: 'bool' },
    default: 'false',
    group: 'Testing',
    doc: 'enables /__fault routes used by tests; refused in production',
  },
  FAULT_WORKER_BOOT_FAIL: {
    kind: { type: 'bool' },
    default: 'false',
    group: 'Testing',
    doc: 'with FAULT_INJECTION=true, every worker fails at boot (exits non-zero): the crash-loop test; ignored otherwise',
  },
} satisfies Record<string, VarSpec>;

export type VarName = keyof typeof VARIABLES;
