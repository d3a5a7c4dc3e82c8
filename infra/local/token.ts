/**
 * `npm run token -- --tenant acme --admin`: prints a bearer token signed by the local dev issuer, whose
 * key pair is in DATA_DIR (default .data/). `--help` lists the options. A mistake (an unknown option or
 * permission, a missing tenant) is one line on stderr and exit 1, so a typo never becomes a token that
 * quietly lacks the permission meant.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PERMISSIONS } from '../../shared/auth/permissions.ts';
import { DEFAULT_AUDIENCE } from '../../shared/config.ts';
import { DEFAULT_DATA_DIR, ensureDevIssuer, mintDevToken } from './dev-issuer.ts';

const HELP = `Prints a bearer token signed by the local dev issuer (its key pair is in DATA_DIR, default ${DEFAULT_DATA_DIR}/).

usage: npm run token -- --tenant <id> [--admin] [--permissions <list>] [--sub <id>] [--expires-in <seconds>] [--audience <aud>]

  --tenant <id>            the tenant (claim tid); required
  --admin                  role Admin: every permission in the tenant
  --permissions <list>     comma-separated, of ${PERMISSIONS.join(', ')}
  --sub <id>               the caller (claim sub, recorded as created_by); default dev-user
  --expires-in <seconds>   lifetime; default 3600
  --audience <aud>         claim aud; default JWT_AUDIENCE, else ${DEFAULT_AUDIENCE}
  -h, --help               this text`;

const SEE_HELP = 'see npm run token -- --help';

/** parseArgs' own messages run to several sentences; one line each is what a typo deserves. */
function parseOptions() {
  try {
    return parseArgs({
      options: {
        tenant: { type: 'string' },
        admin: { type: 'boolean', default: false },
        permissions: { type: 'string' },
        sub: { type: 'string' },
        'expires-in': { type: 'string' },
        audience: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const option = /'([^']+)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`Unknown option ${option}: ${SEE_HELP}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new Error(`Unexpected argument ${option}: ${SEE_HELP}`);
    throw new Error(`${message.split('\n')[0]}: ${SEE_HELP}`);
  }
}

try {
  const values = parseOptions();
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (!values.tenant) throw new Error(`--tenant is required: ${SEE_HELP}`);
  const expiresIn = values['expires-in'] === undefined ? 3600 : Number(values['expires-in']);
  if (!Number.isInteger(expiresIn)) throw new Error('--expires-in must be a whole number of seconds');
  const permissions = values.permissions?.split(/[ ,]+/).filter(Boolean);
  const unknown = permissions?.find((permission) => !(PERMISSIONS as readonly string[]).includes(permission));
  if (unknown !== undefined) throw new Error(`Unknown permission "${unknown}": use ${PERMISSIONS.join(', ')}`);
  const issuer = ensureDevIssuer(resolve(process.env.DATA_DIR || DEFAULT_DATA_DIR));
  console.log(
    mintDevToken(issuer, {
      tenant: values.tenant,
      admin: values.admin,
      permissions,
      subject: values.sub,
      expiresInSeconds: expiresIn,
      audience: values.audience ?? process.env.JWT_AUDIENCE,
    }),
  );
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
