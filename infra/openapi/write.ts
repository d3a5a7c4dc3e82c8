/**
 * `npm run openapi [-- <file>]`: writes the OpenAPI document generated from this tree (default
 * openapi.json at the top level; `-` for stdout). It is not committed: a copy would drift, and the
 * tests build and check the document from the code on every run. A route without its description in
 * operations.ts ends here with the message naming it, and exit 1.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOpenApiDocument } from './document.ts';

const target = process.argv[2] ?? 'openapi.json';
try {
  const json = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  if (target === '-') process.stdout.write(json);
  else {
    writeFileSync(target, json);
    console.log(`OpenAPI 3.1 document written to ${resolve(target)}`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
