import { writeFileSync } from 'node:fs';
import path from 'node:path';

import * as vega from 'vega';
import * as vl from 'vega-lite';

import { ROUTE_LABEL } from './load.ts';
import type { ScenarioResult } from './report.ts';
import type { RouteResult, Second, Window } from './stats.ts';

/**
 * The plots' rolling window, whole seconds, centered on each point. Per-second bins drew
 * a sawtooth where none was: the paced payment connections each send their next request
 * when the previous one answers, so under a fault that holds every answer for the same
 * time (the 2 s lock timeout, Paystack's 3 s slowness) they all start in the same second
 * and then in none for the next one or two. Six seconds holds whole periods of both, so
 * the rate reads flat; the cost is that a step (the fault's start) is drawn as a ramp
 * over six seconds, centered on when it happened.
 */
export const ROLL_S = 6;

export interface RolledPoint {
  /** Middle of the window, seconds since the load started. */
  t: number;
  ok: number;
  non2xx: number;
  failed: number;
  /** Answer-weighted mean of the per-second medians in the window. */
  p50: number | null;
  /**
   * Answer-weighted mean of the per-second p99s. Not the window's own p99 (the results
   * keep no raw samples); the highest per-second p99 was tried and drew every latency
   * step three seconds early and late, as if it started before the fault.
   */
  p99: number | null;
}

/**
 * A per-second series through the centered rolling window: counts become the window's
 * mean rate (exact: a sum of whole seconds); latencies are built from the per-second
 * percentiles, since the results keep no raw samples (so committed runs re-plot as well).
 */
export function rolling(series: readonly Second[], bins: number, windowS = ROLL_S): RolledPoint[] {
  const half = Math.floor(windowS / 2);
  // One point per whole second k, from the bins [k - half, k + half): whole seconds only,
  // so the sums are exact; the window shrinks at the run's ends.
  return Array.from({ length: bins + 1 }, (_, k) => {
    const lo = Math.max(0, k - half);
    const hi = Math.min(bins, k + half);
    const inWindow = series.slice(lo, hi);
    const n = Math.max(1, hi - lo);
    const sum = (f: (s: Second) => number) => inWindow.reduce((a, s) => a + f(s), 0);
    const timed = inWindow.filter((s) => s.p50 !== null && s.p99 !== null);
    const weight = (s: Second) => Math.max(1, s.ok + s.non2xx);
    const totalWeight = timed.reduce((a, s) => a + weight(s), 0);
    const mean = (f: (s: Second) => number) => (timed.length ? timed.reduce((a, s) => a + f(s) * weight(s), 0) / totalWeight : null);
    return {
      t: (lo + hi) / 2,
      ok: sum((s) => s.ok) / n,
      non2xx: sum((s) => s.non2xx) / n,
      failed: sum((s) => s.failed) / n,
      p50: mean((s) => s.p50!),
      p99: mean((s) => s.p99!),
    };
  });
}

/**
 * One scenario's plot, the fault window shaded in each panel (none for a scenario without
 * a fault: the healthy and no-cache baselines): 2xx per second by request type and non-2xx
 * or failed answers per second (top; symlog, so five payments a second and a thousand
 * reads a second both read), latency p50/p99 (middle, log scale), both over a rolling
 * window (ROLL_S), and the CPU taken by processes outside the run (bottom). Rendered to
 * SVG by Vega in Node, no browser or canvas needed.
 */
export async function scenarioSvg(
  title: string,
  routes: RouteResult[],
  w: Window,
  markers: { t: number; label: string }[],
  cpu: { t: number; foreign: number }[] = [],
  /** False for the baselines (healthy, no cache): their "fault window" is only the phase split. */
  faulted = true,
): Promise<string> {
  const bins = Math.floor(w.end / 1000);
  const rolled = routes.map((r) => ({ label: ROUTE_LABEL[r.route], points: rolling(r.series, bins) }));
  const throughput = [
    ...rolled.flatMap((r) => r.points.map((p) => ({ t: p.t, route: r.label, value: p.ok }))),
    // What did not succeed, all request types together: the fault's 503s show here.
    ...Array.from({ length: bins + 1 }, (_, k) => ({
      t: rolled[0]?.points[k]?.t ?? k,
      route: 'non-2xx or failed (all types)',
      value: rolled.reduce((a, r) => a + (r.points[k]?.non2xx ?? 0) + (r.points[k]?.failed ?? 0), 0),
    })),
  ];
  const latency = rolled.flatMap((r) =>
    r.points.flatMap((p) => [
      ...(p.p50 === null ? [] : [{ t: p.t, route: r.label, pct: 'p50', value: Math.max(0.1, p.p50) }]),
      ...(p.p99 === null ? [] : [{ t: p.t, route: r.label, pct: 'p99', value: Math.max(0.1, p.p99) }]),
    ]),
  );
  const fault = { values: faulted ? [{ start: w.faultStart / 1000, end: w.faultEnd / 1000, label: 'fault' }] : [] };
  const x = {
    field: 't',
    type: 'quantitative' as const,
    title: 'seconds since the load started',
    scale: { domain: [0, Math.ceil(w.end / 1000)] },
  };
  const color = { field: 'route', type: 'nominal' as const, title: 'request', legend: { orient: 'right' as const, labelLimit: 320 } };
  const shade = {
    data: fault,
    mark: { type: 'rect' as const, color: '#d62728', opacity: 0.12 },
    encoding: { x: { field: 'start', type: 'quantitative' as const }, x2: { field: 'end' } },
  };
  const rules = {
    data: { values: markers.map((m) => ({ t: m.t / 1000, label: m.label })) },
    layer: [
      {
        mark: { type: 'rule' as const, color: '#555', strokeDash: [2, 2] },
        encoding: { x: { field: 't', type: 'quantitative' as const } },
      },
      {
        mark: { type: 'text' as const, angle: 270, align: 'left' as const, dx: 4, dy: -3, fontSize: 9, color: '#555' },
        encoding: { x: { field: 't', type: 'quantitative' as const }, y: { value: 2 }, text: { field: 'label' } },
      },
    ],
  };
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: title,
      subtitle: [
        `${faulted ? 'Shaded: fault applied' : 'No fault applied (a baseline)'}. By request start time, over a rolling ${ROLL_S} s window centered on each point:`,
        'rates are the window mean; p50 and p99 are answer-weighted means of the per-second p50 and p99.',
      ],
    },
    config: { font: 'sans-serif', view: { stroke: '#ddd' } },
    vconcat: [
      {
        width: 720,
        height: 200,
        layer: [
          shade,
          {
            data: { values: throughput },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x,
              y: {
                field: 'value',
                type: 'quantitative',
                title: `answers/s, ${ROLL_S} s mean (symlog)`,
                scale: { type: 'symlog' },
                axis: { values: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] },
              },
              color,
            },
          },
          ...(markers.length ? [rules] : []),
        ],
      },
      {
        width: 720,
        height: 200,
        layer: [
          shade,
          {
            data: { values: latency },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: 'latency ms (log)', scale: { type: 'log' } },
              color,
              strokeDash: {
                field: 'pct',
                type: 'nominal',
                title: 'percentile',
                scale: {
                  domain: ['p50', 'p99'],
                  range: [
                    [3, 3],
                    [1, 0],
                  ],
                },
              },
            },
          },
        ],
      },
      ...(cpu.length
        ? [
            {
              width: 720,
              height: 70,
              title: {
                text: "Other processes' CPU: the share of all cores used by processes outside this run (other tests, builds)",
                subtitle:
                  'Not a fault: interference. Rates above measured while this is high are lower than the service alone would reach.',
                fontSize: 11,
                subtitleFontSize: 10,
                anchor: 'start' as const,
              },
              layer: [
                shade,
                {
                  // The sample at t covers the second before it.
                  data: { values: cpu.map((c) => ({ t: c.t / 1000 - 0.5, value: c.foreign })) },
                  mark: { type: 'area' as const, color: '#999', opacity: 0.6 },
                  encoding: {
                    x,
                    y: { field: 'value', type: 'quantitative' as const, title: "others' CPU %", scale: { domain: [0, 100] } },
                  },
                },
              ],
            },
          ]
        : []),
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes `<prefix>-<id>.svg` per scenario into `outDir`; returns the file names by id.
 * Used by the run and by `bench/chaos-replot.ts`, which re-plots a saved run's JSON.
 */
export async function writeScenarioPlots(
  results: readonly Pick<
    ScenarioResult,
    'id' | 'title' | 'kind' | 'routes' | 'window' | 'breakerTransitions' | 'workerReplacements' | 'cpu'
  >[],
  outDir: string,
  prefix: string,
): Promise<Record<string, string>> {
  const plots: Record<string, string> = {};
  for (const r of results) {
    const markers = [
      ...r.breakerTransitions
        .filter((t) => t.to === 'open' || t.to === 'closed')
        .map((t) => ({ t: t.t, label: `${t.dependency} ${t.to}` })),
      ...r.workerReplacements.map((x) => ({ t: x.t, label: `worker ${x.reason}` })),
    ];
    // At most one marker label per dependency and state, or the plot is unreadable.
    const unique = markers.filter((m, k) => markers.findIndex((n) => n.label === m.label) === k);
    const file = `${prefix}-${r.id}.svg`;
    // Scenarios of kind "none" (healthy, no cache) apply no fault: nothing to shade.
    writeFileSync(path.join(outDir, file), await scenarioSvg(r.title, r.routes, r.window, unique, r.cpu.series, r.kind !== 'none'));
    plots[r.id] = file;
  }
  return plots;
}
