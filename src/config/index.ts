import { isIPv4 } from 'node:net';
import path from 'node:path';

import { VARIABLES, type VarName, type VarSpec } from './variables.ts';

export { VARIABLES } from './variables.ts';

/** Thrown when the environment cannot make a working service; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string | undefined;
  logLevel: string;
  /** LOG_FORMAT: undefined = decided by the process's stdout (src/log-format.ts). */
  logFormat: 'json' | 'pretty' | undefined;
  trustProxy: boolean | number | string[];
  corsOrigins: string[];
  webConcurrency: number | undefined;
  maxInflightRequests: number;
  maxEventLoopDelayMs: number;
  maxConnections: number;
  requestTimeoutMs: number;
  replyMarginMs: number;
  workerTimeoutMs: number;
  gracefulTimeoutMs: number;
  redisConnectTimeoutMs: number;
  redisCommandTimeoutMs: number;
  dbConnectTimeoutMs: number;
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  dbLockTimeoutMs: number;
  dbIdleInTransactionTimeoutMs: number;
  paystackTimeoutMs: number;
  smtpTimeoutMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  passwordResetTtlS: number;
  emailVerifyTtlS: number;
  paystackVerifyWaitMs: number;
  breakerConsecutiveFailures: number;
  breakerHalfOpenMs: number;
  reconcileIntervalMs: number;
  reconcileMinAgeMs: number;
  jwtAccessTtlS: number;
  jwtRefreshTtlS: number;
  loginMaxFailuresPerAccount: number;
  loginMaxFailuresPerAddress: number;
  loginSlowAfterFailuresPerAccount: number;
  loginSlowDelayMs: number;
  loginHashesPerAddress: number;
  loginHashesPerAccount: number;
  loginConcurrentPerAddress: number;
  registerMaxPerAddress: number;
  paymentInitMaxPerUser: number;
  databaseUrl: string | undefined;
  databaseListenUrl: string | undefined;
  dataDir: string;
  embeddedDbStartTimeoutMs: number;
  redisUrl: string | undefined;
  cacheDisabled: boolean;
  /** CACHE_L1_MAX_BYTES: the in-process tier's bound; 0 = no in-process tier. */
  cacheL1MaxBytes: number;
  paystackSecretKey: string | undefined;
  paystackBaseUrl: string;
  callbackUrlAllowlist: string[];
  lessonVideoHosts: string[];
  jwtSecret: string | undefined;
  opsToken: string | undefined;
  bootstrapAdminEmail: string | undefined;
  bootstrapAdminPassword: string | undefined;
  faultInjection: boolean;
  /** With faultInjection: every worker fails at boot (the crash-loop test). */
  faultWorkerBootFail: boolean;
  maxRequests: number;
  maxRequestsJitter: number;
  crashLoopBootFailures: number;
  crashLoopWindowMs: number;
  /** Absolute path of the supervisor's pid file. */
  pidFile: string;
  /** Where traces are sent (OTLP/HTTP); undefined = tracing off. */
  otelTracesUrl: string | undefined;
  otelServiceName: string;
  /** The OTLP/HTTP body encoding. */
  otelProtocol: 'http/json' | 'http/protobuf';
}

type Raw = Partial<Record<VarName, string | number | boolean | string[]>>;

function parseOne(name: string, spec: VarSpec, input: string, problems: string[]): string | number | boolean | string[] | undefined {
  const k = spec.kind;
  switch (k.type) {
    case 'int': {
      if (!/^-?\d+$/.test(input)) {
        problems.push(`${name}="${input}" must be a whole number from ${k.min} to ${k.max}`);
        return undefined;
      }
      const n = Number(input);
      if (n < k.min || n > k.max) {
        problems.push(`${name}=${n} must be from ${k.min} to ${k.max}`);
        return undefined;
      }
      return n;
    }
    case 'bool':
      if (['1', 'true', 'yes', 'on'].includes(input.toLowerCase())) return true;
      if (['0', 'false', 'no', 'off'].includes(input.toLowerCase())) return false;
      problems.push(`${name}="${input}" must be true or false`);
      return undefined;
    case 'enum':
      if (!k.values.includes(input)) {
        problems.push(`${name}="${input}" must be one of ${k.values.join(', ')}`);
        return undefined;
      }
      return input;
    case 'url': {
      let u: URL;
      try {
        u = new URL(input);
      } catch {
        problems.push(`${name} is not a valid URL (expected ${k.protocols.join(' or ')}//…)`);
        return undefined;
      }
      if (!k.protocols.includes(u.protocol)) {
        problems.push(`${name} must use ${k.protocols.join(' or ')} (got ${u.protocol})`);
        return undefined;
      }
      return input;
    }
    case 'list':
      return input
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'string':
      if (k.minLength !== undefined && input.length < k.minLength) {
        problems.push(`${name} must be at least ${k.minLength} characters`);
        return undefined;
      }
      return input;
  }
}

function parseTrustProxy(v: string): boolean | number | string[] {
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const WEAK_SECRETS = new Set(['secret', 'changeme', 'change-me', 'jwt_secret', 'development', 'password']);
// Words of a placeholder or a copied example (the tests' secrets among them), counted only
// where one stands as a word: at an end of the secret or beside a separator (- _ . : space),
// with a plural s allowed. A generated key may hold the letters by chance (one base64 key in
// about 25,000 holds "test" in some case), never as a word (standard base64 and hex have no
// separator; base64url's - and _ around a word happen about once in a billion keys).
const PLACEHOLDER_WORDS = /(?:^|[-_.:\s])(?:secret|change-?me|example|password|default|dummy|sample|placeholder|test)s?(?=$|[-_.:\s])/i;

// OPS_TOKEN opens /metrics and the /ops data to whoever holds it, from any address: it
// must not be guessable. 32 characters and 128 bits, the strength of a random AES key;
// `openssl rand -base64 32` (44 characters) scores about 190-220 bits.
const OPS_TOKEN_MIN_LENGTH = 32;
const OPS_TOKEN_MIN_BITS = 128;

/**
 * An estimate of a secret's entropy from the secret alone: its length times the Shannon
 * entropy of its own characters' frequencies. A run of one character scores 0 and a
 * short pattern repeated scores little, however long; a random token scores a little
 * under its real strength (a random 32-character hex string, 128 real bits, scores about
 * 118, so hex tokens need 64 characters).
 */
export function estimatedEntropyBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...secret].length;
  let bitsPerChar = 0;
  for (const c of counts.values()) bitsPerChar -= (c / n) * Math.log2(c / n);
  return bitsPerChar * n;
}

/** Loopback hosts: http:// to them never leaves the machine (a local simulator or benchmark). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIPv4(h) && h.startsWith('127.');
}

/** An https:// URL, or an http:// one whose host is a loopback address. */
function sentSafely(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || isLoopbackHost(u.hostname);
}

/**
 * The traces URL as the OTLP specification builds it: the per-signal variable as given,
 * else the base endpoint with `v1/traces` appended.
 */
function otelTracesUrl(traces: string | undefined, base: string | undefined): string | undefined {
  if (traces) return traces;
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Reads the environment once, validates every variable and every combination that
 * cannot hold (SPEC.md), and returns a frozen Config. Throws ConfigError naming each
 * bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const raw: Raw = {};
  const given = (k: VarName) => env[k] !== undefined && env[k] !== '';
  // In production the secrets are held to production's stronger rule below, on the value
  // given: one message per secret, saying what production needs, rather than the table's
  // shorter minimum and then "required" as if it were unset.
  const production = env.NODE_ENV === 'production';
  const secrets = new Set<VarName>(['JWT_SECRET', 'OPS_TOKEN']);
  for (const [name, spec] of Object.entries(VARIABLES) as [VarName, VarSpec][]) {
    if (production && secrets.has(name) && given(name)) {
      raw[name] = env[name];
      continue;
    }
    const input = given(name) ? env[name] : spec.default;
    if (input === undefined) continue;
    const v = parseOne(name, spec, input, problems);
    if (v !== undefined) raw[name] = v;
  }
  // Required in production, and not given at all (a value given but refused is already
  // named, for what is wrong with it).
  const missing = (k: VarName) => !given(k);
  const n = (k: VarName) => raw[k] as number;
  const s = (k: VarName) => raw[k] as string | undefined;
  // The table's default, for a variable that has one: also when the given value was
  // refused, so the checks below still run on a value (the problem is reported anyway).
  const sd = (k: VarName) => s(k) ?? (VARIABLES[k] as VarSpec).default!;
  const l = (k: VarName) => (raw[k] as string[] | undefined) ?? [];

  const cfg: Config = {
    nodeEnv: sd('NODE_ENV') as Config['nodeEnv'],
    isProduction: s('NODE_ENV') === 'production',
    host: sd('HOST'),
    port: n('PORT'),
    publicUrl: s('PUBLIC_URL'),
    logLevel: sd('LOG_LEVEL'),
    logFormat: s('LOG_FORMAT') as Config['logFormat'],
    trustProxy: parseTrustProxy(sd('TRUST_PROXY')),
    corsOrigins: l('CORS_ORIGINS'),
    webConcurrency: raw.WEB_CONCURRENCY as number | undefined,
    maxInflightRequests: n('MAX_INFLIGHT_REQUESTS'),
    maxEventLoopDelayMs: n('MAX_EVENT_LOOP_DELAY_MS'),
    maxConnections: n('MAX_CONNECTIONS'),
    requestTimeoutMs: n('REQUEST_TIMEOUT_MS'),
    replyMarginMs: n('REPLY_MARGIN_MS'),
    workerTimeoutMs: n('WORKER_TIMEOUT_MS'),
    gracefulTimeoutMs: n('GRACEFUL_TIMEOUT_MS'),
    redisConnectTimeoutMs: n('REDIS_CONNECT_TIMEOUT_MS'),
    redisCommandTimeoutMs: n('REDIS_COMMAND_TIMEOUT_MS'),
    dbConnectTimeoutMs: n('DB_CONNECT_TIMEOUT_MS'),
    dbPoolMax: n('DB_POOL_MAX'),
    dbStatementTimeoutMs: n('DB_STATEMENT_TIMEOUT_MS'),
    dbLockTimeoutMs: n('DB_LOCK_TIMEOUT_MS'),
    dbIdleInTransactionTimeoutMs: n('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'),
    paystackTimeoutMs: n('PAYSTACK_TIMEOUT_MS'),
    smtpTimeoutMs: n('SMTP_TIMEOUT_MS'),
    smtpUrl: s('SMTP_URL'),
    mailFrom: sd('MAIL_FROM'),
    passwordResetTtlS: n('PASSWORD_RESET_TTL_S'),
    emailVerifyTtlS: n('EMAIL_VERIFY_TTL_S'),
    paystackVerifyWaitMs: n('PAYSTACK_VERIFY_WAIT_MS'),
    breakerConsecutiveFailures: n('BREAKER_CONSECUTIVE_FAILURES'),
    breakerHalfOpenMs: n('BREAKER_HALF_OPEN_MS'),
    reconcileIntervalMs: n('RECONCILE_INTERVAL_MS'),
    reconcileMinAgeMs: n('RECONCILE_MIN_AGE_MS'),
    jwtAccessTtlS: n('JWT_ACCESS_TTL_S'),
    jwtRefreshTtlS: n('JWT_REFRESH_TTL_S'),
    loginMaxFailuresPerAccount: n('LOGIN_MAX_FAILURES_PER_ACCOUNT'),
    loginMaxFailuresPerAddress: n('LOGIN_MAX_FAILURES_PER_ADDRESS'),
    loginSlowAfterFailuresPerAccount: n('LOGIN_SLOW_AFTER_FAILURES_PER_ACCOUNT'),
    loginSlowDelayMs: n('LOGIN_SLOW_DELAY_MS'),
    loginHashesPerAddress: n('LOGIN_HASHES_PER_ADDRESS'),
    loginHashesPerAccount: n('LOGIN_HASHES_PER_ACCOUNT'),
    loginConcurrentPerAddress: n('LOGIN_CONCURRENT_PER_ADDRESS'),
    registerMaxPerAddress: n('REGISTER_MAX_PER_ADDRESS'),
    paymentInitMaxPerUser: n('PAYMENT_INIT_MAX_PER_USER'),
    databaseUrl: s('DATABASE_URL'),
    databaseListenUrl: s('DATABASE_LISTEN_URL') ?? s('DATABASE_URL'),
    dataDir: sd('DATA_DIR'),
    embeddedDbStartTimeoutMs: n('EMBEDDED_DB_START_TIMEOUT_MS'),
    redisUrl: s('REDIS_URL'),
    cacheDisabled: raw.CACHE_DISABLED === true,
    cacheL1MaxBytes: n('CACHE_L1_MAX_BYTES'),
    paystackSecretKey: s('PAYSTACK_SECRET_KEY'),
    paystackBaseUrl: sd('PAYSTACK_BASE_URL').replace(/\/+$/, ''),
    callbackUrlAllowlist: l('CALLBACK_URL_ALLOWLIST').map((o) => o.replace(/\/+$/, '')),
    lessonVideoHosts: l('LESSON_VIDEO_HOSTS').map((h) => h.toLowerCase()),
    jwtSecret: s('JWT_SECRET'),
    opsToken: s('OPS_TOKEN'),
    bootstrapAdminEmail: s('BOOTSTRAP_ADMIN_EMAIL'),
    bootstrapAdminPassword: s('BOOTSTRAP_ADMIN_PASSWORD'),
    faultInjection: raw.FAULT_INJECTION === true,
    faultWorkerBootFail: raw.FAULT_WORKER_BOOT_FAIL === true,
    maxRequests: n('MAX_REQUESTS'),
    maxRequestsJitter: n('MAX_REQUESTS_JITTER'),
    crashLoopBootFailures: n('CRASH_LOOP_BOOT_FAILURES'),
    crashLoopWindowMs: n('CRASH_LOOP_WINDOW_MS'),
    pidFile: path.resolve(s('PID_FILE') ?? path.join(sd('DATA_DIR'), 'it360acad.pid')),
    otelTracesUrl: otelTracesUrl(s('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), s('OTEL_EXPORTER_OTLP_ENDPOINT')),
    otelServiceName: sd('OTEL_SERVICE_NAME'),
    otelProtocol: sd('OTEL_EXPORTER_OTLP_PROTOCOL') as Config['otelProtocol'],
  };

  // Combinations that cannot hold, each checked when its own parts parsed, so one bad
  // value does not hide the other problems: the operator sees every one in one pass.
  const parsed = (...names: VarName[]) => names.every((k) => raw[k] !== undefined);
  const usable = cfg.requestTimeoutMs - cfg.replyMarginMs;
  if (parsed('REQUEST_TIMEOUT_MS', 'REPLY_MARGIN_MS') && usable <= 0)
    problems.push(`REPLY_MARGIN_MS (${cfg.replyMarginMs}) must be below REQUEST_TIMEOUT_MS (${cfg.requestTimeoutMs})`);
  const inRequest: [VarName, number][] = [
    ['REDIS_COMMAND_TIMEOUT_MS', cfg.redisCommandTimeoutMs],
    ['DB_CONNECT_TIMEOUT_MS', cfg.dbConnectTimeoutMs],
    ['PAYSTACK_TIMEOUT_MS', cfg.paystackTimeoutMs],
    ['PAYSTACK_VERIFY_WAIT_MS', cfg.paystackVerifyWaitMs],
  ];
  for (const [name, value] of inRequest) {
    if (parsed('REQUEST_TIMEOUT_MS', 'REPLY_MARGIN_MS', name) && usable > 0 && value >= usable) {
      problems.push(
        `${name} (${value}) must be below REQUEST_TIMEOUT_MS - REPLY_MARGIN_MS (${cfg.requestTimeoutMs} - ${cfg.replyMarginMs} = ${usable}): a call inside a request could never finish before its deadline`,
      );
    }
  }
  if (parsed('REQUEST_TIMEOUT_MS', 'WORKER_TIMEOUT_MS') && cfg.requestTimeoutMs >= cfg.workerTimeoutMs) {
    problems.push(`REQUEST_TIMEOUT_MS (${cfg.requestTimeoutMs}) must be below WORKER_TIMEOUT_MS (${cfg.workerTimeoutMs})`);
  }
  if (cfg.isProduction) {
    if (missing('DATABASE_URL')) problems.push('DATABASE_URL is required in production (the embedded database is for development only)');
    if (missing('PAYSTACK_SECRET_KEY'))
      problems.push('PAYSTACK_SECRET_KEY is required in production (the Paystack simulator is never started there)');
    if (missing('SMTP_URL')) problems.push('SMTP_URL is required in production (the built-in mailbox is for development only)');
    if (missing('PUBLIC_URL'))
      problems.push('PUBLIC_URL is required in production (the links in reset and verification mails point there)');
    if (missing('JWT_SECRET')) problems.push('JWT_SECRET is required in production (at least 32 random characters)');
    else if (
      !cfg.jwtSecret ||
      cfg.jwtSecret.length < 32 ||
      WEAK_SECRETS.has(cfg.jwtSecret.toLowerCase()) ||
      new Set(cfg.jwtSecret).size < 10 ||
      PLACEHOLDER_WORDS.test(cfg.jwtSecret)
    ) {
      problems.push(
        'JWT_SECRET is too weak for production: use at least 32 random characters, not a placeholder or an example (e.g. `openssl rand -base64 48`)',
      );
    }
    const ops = cfg.opsToken ?? '';
    if (missing('OPS_TOKEN')) problems.push('OPS_TOKEN is required in production (it protects /metrics and the /ops data)');
    else if (ops.length < OPS_TOKEN_MIN_LENGTH || estimatedEntropyBits(ops) < OPS_TOKEN_MIN_BITS || PLACEHOLDER_WORDS.test(ops)) {
      problems.push(
        `OPS_TOKEN is too weak for production: it needs at least ${OPS_TOKEN_MIN_LENGTH} characters and an estimated ${OPS_TOKEN_MIN_BITS} bits of entropy (this one: ${ops.length} characters, about ${Math.floor(estimatedEntropyBits(ops))} bits), and no placeholder word; generate one with \`openssl rand -base64 32\``,
      );
    }
    if (raw.PAYSTACK_BASE_URL !== undefined && !sentSafely(cfg.paystackBaseUrl)) {
      problems.push(
        `PAYSTACK_BASE_URL (${cfg.paystackBaseUrl}) must use https:// in production: over plain http:// the secret key would travel in clear (http:// is allowed only to a loopback address, for a local simulator)`,
      );
    }
    if (cfg.faultInjection) problems.push('FAULT_INJECTION must be false in production');
  }
  if (parsed('MAX_REQUESTS', 'MAX_REQUESTS_JITTER') && cfg.maxRequestsJitter > 0 && cfg.maxRequests === 0) {
    problems.push(
      `MAX_REQUESTS_JITTER (${cfg.maxRequestsJitter}) has no effect while MAX_REQUESTS is 0 (never replace): set MAX_REQUESTS too, or remove the jitter`,
    );
  }
  if (cfg.bootstrapAdminEmail && !cfg.bootstrapAdminPassword)
    problems.push('BOOTSTRAP_ADMIN_PASSWORD is required when BOOTSTRAP_ADMIN_EMAIL is set');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(cfg);
}

/** Exit status for a configuration error (EX_CONFIG): operators and the supervisor can tell it from a crash. */
export const EXIT_CONFIG = 78;

/** For entry points: the configuration, or the problems on stderr and exit 78. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}
