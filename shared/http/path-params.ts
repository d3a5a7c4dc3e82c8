/**
 * The ids in a path, checked before they go anywhere near a key. An id that cannot name anything is
 * answered like one that names nothing (contract §1): 404, with no DynamoDB call, and the caller learns
 * nothing about which formats exist.
 */
import * as v from 'valibot';
import { NotFound, SecretNotFound } from '../errors.ts';
import { AppId, SecretId } from '../schemas/ids.ts';

type PathEvent = { pathParameters?: Record<string, string | undefined> };

export function pathAppId(event: PathEvent): string {
  const result = v.safeParse(AppId, event.pathParameters?.app_id);
  if (!result.success) throw new NotFound();
  return result.output;
}

export function pathSecretId(event: PathEvent): string {
  const result = v.safeParse(SecretId, event.pathParameters?.secret_id);
  if (!result.success) throw new SecretNotFound();
  return result.output;
}
