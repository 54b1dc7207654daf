import assert from 'node:assert/strict';

import { ConfigError, loadConfig } from '../../src/config/index.ts';

/** The problems the configuration loader reports for `env`; empty when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}
