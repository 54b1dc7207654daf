/**
 * The typed client's types from the committed openapi.json, with openapi-typescript.
 *
 *   npm run client:generate   writes packages/client/src/schema.ts
 *   npm run client:check      fails when that file is not what openapi.json gives now
 *                             (part of `npm run check`: the document and the client cannot drift)
 *
 * Through openapi-typescript's Node API rather than its CLI: the CLI reads a redocly.yaml in
 * the working directory and, when that names APIs, generates those instead of the file it
 * was given, so the linter's configuration would decide what the client is built from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';

export const DOCUMENT = new URL('../openapi.json', import.meta.url);
export const SCHEMA_FILE = new URL('../packages/client/src/schema.ts', import.meta.url);

const HEADER = `/**
 * Types of the it360acad API, from openapi.json by \`npm run client:generate\` (openapi-typescript).
 * Do not edit: change the routes, run \`npm run openapi\`, then \`npm run client:generate\`.
 */

`;

/** The schema file's text for the document as it is on disk now. */
export async function schemaSource(): Promise<string> {
  return HEADER + astToString(await openapiTS(DOCUMENT, { silent: true }));
}

async function main(): Promise<void> {
  const fresh = await schemaSource();
  const file = fileURLToPath(SCHEMA_FILE);
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing: reported as stale below
    }
    if (committed !== fresh) {
      console.error(`${file} does not match openapi.json: run \`npm run client:generate\` and commit the result`);
      process.exit(1);
    }
    console.log('client schema matches openapi.json');
    return;
  }
  writeFileSync(file, fresh);
  console.log(`wrote ${file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
