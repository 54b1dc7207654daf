import * as vega from 'vega';
import * as vl from 'vega-lite';

import { ROUTE_LABEL } from './load.ts';
import type { RouteResult, Window } from './stats.ts';

/**
 * One scenario's plot, the fault window shaded in each panel: 2xx per second by request
 * type and non-2xx or failed answers per second (top; symlog, so five payments a second
 * and a thousand reads a second both read), latency p50/p99 per second (middle, log
 * scale), and the CPU taken by processes outside the run (bottom). Rendered to SVG by
 * Vega in Node, no browser or canvas needed.
 */
export async function scenarioSvg(
  title: string,
  routes: RouteResult[],
  w: Window,
  markers: { t: number; label: string }[],
  cpu: { t: number; foreign: number }[] = [],
): Promise<string> {
  const bins = Math.floor(w.end / 1000);
  const throughput = [
    ...routes.flatMap((r) => r.series.slice(0, bins).map((s) => ({ t: s.t + 0.5, route: ROUTE_LABEL[r.route], value: s.ok }))),
    // What did not succeed, all request types together: the fault's 503s show here.
    ...Array.from({ length: bins }, (_, k) => ({
      t: k + 0.5,
      route: 'non-2xx or failed (all types)',
      value: routes.reduce((a, r) => a + (r.series[k]?.non2xx ?? 0) + (r.series[k]?.failed ?? 0), 0),
    })),
  ];
  const latency = routes.flatMap((r) =>
    r.series
      .slice(0, bins)
      .flatMap((s) => [
        ...(s.p50 === null ? [] : [{ t: s.t + 0.5, route: ROUTE_LABEL[r.route], pct: 'p50', value: Math.max(0.1, s.p50) }]),
        ...(s.p99 === null ? [] : [{ t: s.t + 0.5, route: ROUTE_LABEL[r.route], pct: 'p99', value: Math.max(0.1, s.p99) }]),
      ]),
  );
  const fault = { values: [{ start: w.faultStart / 1000, end: w.faultEnd / 1000, label: 'fault' }] };
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
    title: { text: title, subtitle: 'shaded: fault applied. Per second, by request start time (points at the middle of each second)' },
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
                title: 'answers per second (symlog)',
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
