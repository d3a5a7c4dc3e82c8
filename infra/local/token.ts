/**
 * `npm run token -- --tenant acme --admin`: prints a bearer token signed by the local dev issuer.
 * Options: --tenant ID (required), --admin, --permissions apps:read,apps:edit, --sub ID,
 * --expires-in SECONDS, --audience AUD. Reads the key pair from DATA_DIR (default .data/).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevIssuer, mintDevToken } from './dev-issuer.ts';

const usage = 'usage: npm run token -- --tenant <id> [--admin] [--permissions a,b] [--sub <id>] [--expires-in <s>]';

try {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      admin: { type: 'boolean', default: false },
      permissions: { type: 'string' },
      sub: { type: 'string' },
      'expires-in': { type: 'string' },
      audience: { type: 'string' },
    },
    strict: true,
  });
  if (!values.tenant) throw new Error('--tenant is required');
  const expiresIn = values['expires-in'] === undefined ? 3600 : Number(values['expires-in']);
  if (!Number.isInteger(expiresIn)) throw new Error('--expires-in must be a whole number of seconds');
  const issuer = ensureDevIssuer(resolve(process.env.DATA_DIR || '.data'));
  console.log(
    mintDevToken(issuer, {
      tenant: values.tenant,
      admin: values.admin,
      permissions: values.permissions?.split(/[ ,]+/).filter(Boolean),
      subject: values.sub,
      expiresInSeconds: expiresIn,
      audience: values.audience ?? process.env.JWT_AUDIENCE,
    }),
  );
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
