import { createHash } from 'node:crypto';
import net from 'node:net';
import type { FastifyRequest, onSendAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../errors/index.ts';
import type { WindowCounters } from '../infra/cache/counters.ts';

export interface Limit {
  max: number;
  windowMs: number;
}

/** Limits on the endpoints an attacker would hammer; the numbers come from the configuration. */
export interface RateLimitSettings {
  /** Failed logins per account (by normalised email, known or not: a 429 must not tell which emails exist). */
  loginPerAccount: Limit;
  /** Failed logins per client address. */
  loginPerAddress: Limit;
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
  guard(rules: LimitRule[], opts?: { forgiveBelowStatus?: number }): { preHandler: preHandlerAsyncHookHandler; onSend: onSendAsyncHookHandler };
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
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function createRateLimiter(counters: WindowCounters, settings: RateLimitSettings, logger: Logger): RateLimiter {
  return {
    settings,
    guard(rules, opts = {}) {
      const counted = new WeakMap<FastifyRequest, string[]>();
      const preHandler: preHandlerAsyncHookHandler = async (request) => {
        const active = rules.flatMap((rule) => {
          const key = rule.key(request);
          return key === undefined ? [] : [{ rule, key: `${rule.name}:${key}` }];
        });
        if (active.length === 0) return;
        const states = await counters.hit(active.map((a) => ({ key: a.key, windowMs: a.rule.limit.windowMs })));
        counted.set(request, active.map((a) => a.key));
        let retryInMs = 0;
        const over: string[] = [];
        states.forEach((s, i) => {
          if (s.count > active[i].rule.limit.max) {
            retryInMs = Math.max(retryInMs, s.resetInMs);
            over.push(active[i].rule.name);
          }
        });
        if (over.length === 0) return;
        // The rule names only: the keys hold addresses and email hashes.
        logger.info({ limits: over, source: states[0].source, retryAfterS: Math.ceil(retryInMs / 1000) }, 'rate limit reached');
        counted.delete(request);
        // Refused attempts do not count: a burst of concurrent good logins, or a client
        // retrying while limited, must not keep an account locked.
        await counters.undo(active.map((a) => a.key));
        throw errors.rateLimited(Math.max(1, Math.ceil(retryInMs / 1000)));
      };
      const onSend: onSendAsyncHookHandler = async (request, reply, payload) => {
        const keys = counted.get(request);
        counted.delete(request);
        if (keys && opts.forgiveBelowStatus !== undefined && reply.statusCode < opts.forgiveBelowStatus) await counters.undo(keys);
        return payload;
      };
      return { preHandler, onSend };
    },
  };
}
