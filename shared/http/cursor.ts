/**
 * The list cursor: opaque to callers, but only an app id inside. The tenant always comes from the
 * token, never from the cursor, so no cursor (forged or not) can reach another tenant's apps.
 */
import * as v from 'valibot';
import { InvalidRequest } from '../errors.ts';
import { AppId } from '../schemas/ids.ts';

const CursorPayload = v.strictObject({ after: AppId });

export const encodeCursor = (afterAppId: string): string => Buffer.from(JSON.stringify({ after: afterAppId })).toString('base64url');

export function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return v.parse(CursorPayload, decoded).after;
  } catch {
    throw new InvalidRequest('Invalid cursor', [{ path: 'cursor', message: 'Malformed cursor' }]);
  }
}
