import { createHash } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type {
  FastifyRequest,
  onRequestAsyncHookHandler,
  onResponseAsyncHookHandler,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Logger } from 'pino';

import { errors } from '../errors/index.ts';
import type { WindowCounters } from '../infra/cache/counters.ts';
import { timeLeftMs } from '../resilience/deadline.ts';

export interface Limit {
  max: number;
  windowMs: number;
}

/** Limits on the endpoints an attacker would hammer; the numbers come from the configuration. */
export interface RateLimitSettings {
  /** Failed logins per (account, client address); the account by normalised email, known or not: a 429 must not tell which emails exist. */
  loginPerAccount: Limit;
  /** Failed logins per client address. */
  loginPerAddress: Limit;
  /** Failed logins per account from all addresses: above it logins to the account are slowed, never refused. */
  loginSlowPerAccount: Limit & { delayMs: number };
  /** Login attempts, failed or not (each costs a password hash), per client address. */
  loginHashesPerAddress: Limit;
  /** Login attempts, failed or not, per (account, client address). */
  loginHashesPerAccount: Limit;
  /** Logins from one client address being checked at once in this process. */
  loginConcurrentPerAddress: number;
  /** Registrations per client address. */
  registerPerAddress: Limit;
  /** Payment initialisations per user (each may call Paystack, whose rate limit we share). */
  paymentInitPerUser: Limit;
}

export interface LimitRule {
  /** Names the counter in keys and logs. */
  name: string;
  limit: Limit;
  /** The counter's key for this request; undefined skips the rule. */
  key: (request: FastifyRequest) => string | undefined;
  /**
   * Which answers the attempt counts for: any other answer takes it back before it
   * leaves. Unset: every answer counts (or, with `forgiveBelowStatus`, those at or above it).
   */
  countsWhen?: (statusCode: number) => boolean;
  /** Over the limit, the request waits this long and goes on, instead of a 429. */
  slowMs?: number;
}

/** At most `max` requests with the same key in progress in this process; more at once get 429 at once. */
export interface InFlightRule {
  name: string;
  max: number;
  key: (request: FastifyRequest) => string | undefined;
}

export interface RateLimiter {
  readonly settings: RateLimitSettings;
  /**
   * Route hooks: `preHandler` counts the attempt and answers 429 rate_limited with
   * Retry-After when any rule is over its limit (a refused attempt is not counted);
   * `onSend` takes the attempt back when `forgiveBelowStatus` says it succeeded (so only
   * failures count), before the answer leaves, so the client's next attempt never finds
   * its previous success still counted.
   */
  guard(
    rules: LimitRule[],
    opts?: { forgiveBelowStatus?: number; inFlight?: InFlightRule },
  ): {
    onRequest: onRequestAsyncHookHandler;
    preHandler: preHandlerAsyncHookHandler;
    onSend: onSendAsyncHookHandler;
    onResponse: onResponseAsyncHookHandler;
  };
}

/** Hashes a key that holds personal data (an email) before it becomes a Redis key. */
export function privateKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

/**
 * The counter key for a client address: IPv4 as it is; IPv6 by its /64 prefix, since
 * one customer usually holds a whole /64 and could otherwise rotate addresses freely.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!net.isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createRateLimiter(counters: WindowCounters, settings: RateLimitSettings, logger: Logger): RateLimiter {
  return {
    settings,
    guard(rules, opts = {}) {
      const counted = new WeakMap<FastifyRequest, { rule: LimitRule; key: string }[]>();
      // In-flight counts live only while a request holds them: the map never grows past
      // the requests in progress (MAX_INFLIGHT_REQUESTS).
      const inFlight = new Map<string, number>();
      const holding = new WeakMap<FastifyRequest, string>();
      const release = (request: FastifyRequest) => {
        const key = holding.get(request);
        if (key === undefined) return;
        holding.delete(request);
        const n = (inFlight.get(key) ?? 1) - 1;
        if (n > 0) inFlight.set(key, n);
        else inFlight.delete(key);
      };

      // A flood over its in-progress share would write a line per refusal: one line a
      // second says the same, with how many were refused since the last.
      let refusedSinceLog = 0;
      let lastLogAt = 0;
      // The in-process share comes first, before the body is even parsed: a flood from one
      // address is turned away as cheaply as the framework allows, without a Redis trip.
      const onRequest: onRequestAsyncHookHandler = async (request) => {
        const slot = opts.inFlight;
        const slotKey = slot?.key(request);
        if (!slot || slotKey === undefined) return;
        const key = `${slot.name}:${slotKey}`;
        const n = inFlight.get(key) ?? 0;
        if (n >= slot.max) {
          refusedSinceLog += 1;
          const now = performance.now();
          if (now - lastLogAt >= 1000) {
            logger.info({ limits: [slot.name], source: 'local', retryAfterS: 1, refused: refusedSinceLog }, 'rate limit reached');
            lastLogAt = now;
            refusedSinceLog = 0;
          }
          throw errors.rateLimited(1);
        }
        inFlight.set(key, n + 1);
        holding.set(request, key);
      };

      const preHandler: preHandlerAsyncHookHandler = async (request) => {
        const active = rules.flatMap((rule) => {
          const key = rule.key(request);
          return key === undefined ? [] : [{ rule, key: `${rule.name}:${key}` }];
        });
        if (active.length === 0) return;
        const states = await counters.hit(active.map((a) => ({ key: a.key, windowMs: a.rule.limit.windowMs })));
        counted.set(request, active);
        let retryInMs = 0;
        let slowMs = 0;
        const over: string[] = [];
        const slowed: string[] = [];
        states.forEach((s, i) => {
          const rule = active[i].rule;
          if (s.count <= rule.limit.max) return;
          if (rule.slowMs !== undefined) {
            slowMs = Math.max(slowMs, rule.slowMs);
            slowed.push(rule.name);
          } else {
            retryInMs = Math.max(retryInMs, s.resetInMs);
            over.push(rule.name);
          }
        });
        if (over.length === 0) {
          if (slowed.length === 0) return;
          // At most a quarter of the time the request has left: the attempt must still
          // finish under load (hashing queued behind others), or slowing would become refusing.
          const waitMs = Math.max(0, Math.min(slowMs, timeLeftMs() / 4));
          logger.info({ limits: slowed, source: states[0].source, waitMs: Math.round(waitMs) }, 'rate limit slowing');
          await sleep(waitMs);
          return;
        }
        // The rule names only: the keys hold addresses and email hashes.
        logger.info({ limits: over, source: states[0].source, retryAfterS: Math.ceil(retryInMs / 1000) }, 'rate limit reached');
        counted.delete(request);
        // Refused attempts do not count: a burst of concurrent good logins, or a client
        // retrying while limited, must not keep an account locked.
        await counters.undo(active.map((a) => a.key));
        throw errors.rateLimited(Math.max(1, Math.ceil(retryInMs / 1000)));
      };
      const onSend: onSendAsyncHookHandler = async (request, reply, payload) => {
        // The answer is decided: the work it stood for is over.
        release(request);
        const active = counted.get(request);
        counted.delete(request);
        if (!active) return payload;
        const status = reply.statusCode;
        const counts = (rule: LimitRule) =>
          rule.countsWhen ? rule.countsWhen(status) : opts.forgiveBelowStatus === undefined || status >= opts.forgiveBelowStatus;
        const takeBack = active.filter((a) => !counts(a.rule)).map((a) => a.key);
        if (takeBack.length) await counters.undo(takeBack);
        return payload;
      };
      // In case no answer was ever sent (the client went away): never leave a slot held.
      const onResponse: onResponseAsyncHookHandler = async (request) => release(request);
      return { onRequest, preHandler, onSend, onResponse };
    },
  };
}
