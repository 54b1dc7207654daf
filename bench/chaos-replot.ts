/**
 * Re-draws a chaos run's plots from its saved JSON, without running anything:
 * `node --import tsx bench/chaos-replot.ts bench/results/reference/chaos-default.json [outDir]`
 * writes `chaos-<mode>-<id>.svg` beside the JSON (or into outDir). For changes to the
 * plots themselves; the numbers are the run's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { writeScenarioPlots } from './chaos/plot.ts';
import type { ScenarioResult } from './chaos/report.ts';

const [file, out] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/chaos-replot.ts <chaos-<mode>.json> [outDir]');
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, 'utf8')) as { mode: string; results: ScenarioResult[] };
const plots = await writeScenarioPlots(run.results, out ?? path.dirname(file), `chaos-${run.mode}`);
console.log(`wrote ${Object.values(plots).length} plots: ${Object.values(plots).join(', ')}`);
