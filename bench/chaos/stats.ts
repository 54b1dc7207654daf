import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_TIMEOUT, type Route, ROUTES, type Sample } from './load.ts';

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseStats {
  /** Requests started in the phase. */
  requests: number;
  ok: number;
  okPerS: number;
  /** Non-2xx answers by status, and 5xx answers by problem code. */
  non2xx: Record<string, number>;
  codes5xx: Record<string, number>;
  /** Connections that failed under a request (reset, refused, closed without an answer). */
  dropped: number;
  /** Requests with no answer within the client timeout. */
  unanswered: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface Second {
  t: number;
  ok: number;
  non2xx: number;
  failed: number;
  p50: number | null;
  p99: number | null;
}

export interface Window {
  /** ms since load start */
  faultStart: number;
  faultEnd: number;
  end: number;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export function phaseOf(start: number, w: Window): Phase {
  return start < w.faultStart ? 'before' : start < w.faultEnd ? 'during' : 'after';
}

export function phaseStats(samples: Sample[], durationMs: number): PhaseStats {
  const lat: number[] = [];
  const s: PhaseStats = {
    requests: samples.length,
    ok: 0,
    okPerS: 0,
    non2xx: {},
    codes5xx: {},
    dropped: 0,
    unanswered: 0,
    p50: null,
    p99: null,
    max: null,
  };
  for (const x of samples) {
    if (x.outcome === OUTCOME_OK) {
      lat.push(x.latency);
      if (x.status >= 200 && x.status < 300) s.ok++;
      else {
        s.non2xx[x.status] = (s.non2xx[x.status] ?? 0) + 1;
        if (x.status >= 500) s.codes5xx[x.code ?? 'none'] = (s.codes5xx[x.code ?? 'none'] ?? 0) + 1;
      }
    } else if (x.outcome === OUTCOME_ERROR) s.dropped++;
    else if (x.outcome === OUTCOME_TIMEOUT) s.unanswered++;
  }
  lat.sort((a, b) => a - b);
  s.okPerS = durationMs > 0 ? Math.round((s.ok / durationMs) * 1000 * 10) / 10 : 0;
  s.p50 = round(percentile(lat, 50));
  s.p99 = round(percentile(lat, 99));
  s.max = round(lat.length ? lat[lat.length - 1] : null);
  return s;
}

export function perSecond(samples: Sample[], endMs: number): Second[] {
  const n = Math.ceil(endMs / 1000);
  const bins = Array.from({ length: n }, () => ({ ok: 0, non2xx: 0, failed: 0, lat: [] as number[] }));
  for (const x of samples) {
    const b = bins[Math.min(n - 1, Math.floor(x.start / 1000))];
    if (x.outcome !== OUTCOME_OK) b.failed++;
    else {
      b.lat.push(x.latency);
      if (x.status >= 200 && x.status < 300) b.ok++;
      else b.non2xx++;
    }
  }
  return bins.map((b, t) => {
    b.lat.sort((p, q) => p - q);
    return { t, ok: b.ok, non2xx: b.non2xx, failed: b.failed, p50: round(percentile(b.lat, 50)), p99: round(percentile(b.lat, 99)) };
  });
}

/**
 * Seconds from the fault's removal until a route's 2xx rate is back: the first whole
 * second from which both the two-second moving average of 2xx and the average over the
 * rest of the load are at least `fraction` of the before-phase rate. A single slow
 * second later on (this box is shared) does not undo a recovery; a rate that stays low
 * does. Null if that never happens before the load ends.
 */
export function recoverySeconds(series: Second[], w: Window, beforeRate: number, fraction: number): number | null {
  if (beforeRate <= 0) return 0;
  const first = Math.ceil(w.faultEnd / 1000);
  // The last bin can be partial (requests stop starting at the end); leave it out.
  const last = Math.floor(w.end / 1000) - 1;
  const want = fraction * beforeRate;
  for (let k = first; k <= last; k++) {
    const pair = k + 1 <= last ? (series[k].ok + series[k + 1].ok) / 2 : series[k].ok;
    let rest = 0;
    for (let j = k; j <= last; j++) rest += series[j].ok;
    if (pair >= want && rest / (last - k + 1) >= want) return Math.max(0, Math.round((k * 1000 - w.faultEnd) / 100) / 10);
  }
  return null;
}

/** The longest run of whole seconds within [fromMs, toMs) in which a route got no 2xx. */
export function longestGapSeconds(series: Second[], fromMs: number, toMs: number): number {
  let best = 0;
  let run = 0;
  for (let k = Math.ceil(fromMs / 1000); k < Math.floor(toMs / 1000) && k < series.length; k++) {
    run = series[k].ok === 0 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

export interface RouteResult {
  route: Route;
  phases: Record<Phase, PhaseStats>;
  series: Second[];
  recoveryS: number | null;
}

/** Splits samples by route and phase; samples `apart` says are counted apart are left out. */
export function summarize(samples: Sample[], w: Window, apart: (x: Sample) => boolean, recoveryFraction: number): RouteResult[] {
  const dur: Record<Phase, number> = { before: w.faultStart, during: w.faultEnd - w.faultStart, after: w.end - w.faultEnd };
  // Only the request types this scenario's load sent (the login types run in one scenario).
  const sent = new Set(samples.map((x) => x.route));
  return ROUTES.flatMap((_, ri) => (sent.has(ri) ? [ri] : [])).map((ri) => {
    const route = ROUTES[ri];
    const mine = samples.filter((x) => x.route === ri && !apart(x));
    const by: Record<Phase, Sample[]> = { before: [], during: [], after: [] };
    for (const x of mine) by[phaseOf(x.start, w)].push(x);
    const phases = Object.fromEntries(PHASES.map((p) => [p, phaseStats(by[p], dur[p])])) as Record<Phase, PhaseStats>;
    const series = perSecond(mine, w.end);
    return { route, phases, series, recoveryS: recoverySeconds(series, w, phases.before.okPerS, recoveryFraction) };
  });
}
