import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('the in-process cache tier keeps the heap bounded when filled far past CACHE_L1_MAX_BYTES', () => {
  const maxBytes = 8 * 1024 * 1024;
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/helpers/fill-local-tier.ts'], {
    env: { ...process.env, FILL_MAX_BYTES: String(maxBytes) },
    encoding: 'utf8',
    // A few seconds of work; a minute only on a machine starved of CPU.
    timeout: 60_000,
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { written: number; entries: number; estimated: number; growth: number };
  assert.ok(r.written >= 10 * maxBytes);
  assert.ok(r.estimated <= maxBytes, `estimated ${r.estimated} bytes`);
  // The estimate is what the bound counts; the real heap it holds must not be much more.
  assert.ok(r.growth <= 1.25 * maxBytes, `heap grew ${(r.growth / 1048576).toFixed(1)} MiB for an ${maxBytes / 1048576} MiB tier`);
  process.stdout.write(
    `# filled with ${(r.written / 1048576).toFixed(0)} MiB: ${r.entries} entries kept, heap +${(r.growth / 1048576).toFixed(1)} MiB\n`,
  );
});
