/**
 * Deployment configuration from CDK context (`-c key=value`, defaults in cdk.json). Everything is
 * checked here, at synth, so a bad value fails `cdk synth` instead of a deployed function. The throttle
 * and the audience are not in cdk.json: their defaults are the ones the code shares with the functions
 * and the local runtime (DEFAULT_THROTTLING, DEFAULT_AUDIENCE), so no second copy can drift.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_THROTTLING, type Throttling } from '../shared/api-limits.ts';
import { DEFAULT_AUDIENCE } from '../shared/config.ts';

export interface DeploymentConfig {
  stage: string;
  jwtIssuers: string[];
  jwtAudience: string;
  /** Empty: each issuer's `/.well-known/jwks.json`. */
  jwksUri?: string;
  corsOrigins: string[];
  throttling: Throttling;
  logRetentionDays: RetentionDays;
  /** RETAIN the table and turn on deletion protection. */
  retainData: boolean;
  alarmEmail?: string;
  /** Reserved concurrency per API function; undefined: none (the account pool). */
  reservedConcurrency?: number;
}

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value.map(String) : String(value ?? '').split(',')).map((item) => item.trim()).filter(Boolean);

function httpsUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`context ${name} must be an https URL, got "${value}"`);
  }
  if (url.protocol !== 'https:') throw new Error(`context ${name} must be an https URL, got "${value}"`);
  return value;
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  const number = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`context ${name} must be a positive number`);
  return number;
}

function retention(value: unknown): RetentionDays {
  const days = positiveNumber('logRetentionDays', value, RetentionDays.ONE_MONTH);
  if (!Object.values(RetentionDays).includes(days)) {
    throw new Error(`context logRetentionDays must be one CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, …), got ${days}`);
  }
  return days as RetentionDays;
}

const bool = (value: unknown, fallback: boolean) => (value === undefined || value === '' ? fallback : value === true || value === 'true');

export function readDeploymentConfig(node: Node): DeploymentConfig {
  const get = (key: string) => node.tryGetContext(key) as unknown;
  const jwtIssuers = list(get('jwtIssuer')).map((issuer) => httpsUrl('jwtIssuer', issuer));
  if (jwtIssuers.length === 0) throw new Error('context jwtIssuer is required (the token issuer URL)');
  const jwksUri = String(get('jwksUri') ?? '').trim();
  const reserved = get('reservedConcurrency');
  const stage = String(get('stage') ?? 'prod');
  if (!/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new Error('context stage must be 1-32 letters, digits or dashes');
  return {
    stage,
    jwtIssuers,
    jwtAudience: String(get('jwtAudience') ?? '').trim() || DEFAULT_AUDIENCE,
    jwksUri: jwksUri ? httpsUrl('jwksUri', jwksUri) : undefined,
    corsOrigins: list(get('corsOrigins')).map((origin) => httpsUrl('corsOrigins', origin)),
    throttling: {
      rateLimit: positiveNumber('throttleRate', get('throttleRate'), DEFAULT_THROTTLING.rateLimit),
      burstLimit: positiveNumber('throttleBurst', get('throttleBurst'), DEFAULT_THROTTLING.burstLimit),
    },
    logRetentionDays: retention(get('logRetentionDays')),
    retainData: bool(get('retainData'), true),
    alarmEmail: String(get('alarmEmail') ?? '').trim() || undefined,
    reservedConcurrency:
      reserved === undefined || reserved === '' || Number(reserved) === 0 ? undefined : positiveNumber('reservedConcurrency', reserved, 1),
  };
}
