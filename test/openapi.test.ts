import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { generateOpenApi } from '../src/openapi.ts';

test('the committed openapi.json matches the route schemas (run `npm run openapi` after changing a route)', async () => {
  const committed = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
  const generated = JSON.parse(JSON.stringify(await generateOpenApi()));
  assert.deepEqual(generated, committed);
  for (const p of ['/api/v1/auth/register', '/api/v1/users/{id}', '/api/v1/courses/{idOrSlug}'])
    assert.ok(committed.paths[p], `${p} missing`);
});
