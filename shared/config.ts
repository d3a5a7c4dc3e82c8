/**
 * Runtime configuration, read once at module scope. A missing variable throws at start-up, so a
 * misconfigured function fails loudly on its first cold start instead of quietly on every request.
 */
export const DEFAULT_AUDIENCE = 'userid-api';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

function optional(name: string): string | undefined {
  return process.env[name]?.trim() || undefined;
}

export interface JwtConfig {
  issuers: string[];
  audience: string;
  /** https JWKS URL (deployed). When absent, each issuer's `/.well-known/jwks.json`. */
  jwksUri?: string;
  /** A JWKS JSON file to trust instead of fetching (local runtime, tests). */
  jwksFile?: string;
}

export function readJwtConfig(): JwtConfig {
  const issuers = required('JWT_ISSUER')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    issuers,
    audience: optional('JWT_AUDIENCE') ?? DEFAULT_AUDIENCE,
    jwksUri: optional('JWT_JWKS_URI'),
    jwksFile: optional('JWT_JWKS_FILE'),
  };
}

export function readTableName(): string {
  return required('TABLE_NAME');
}
