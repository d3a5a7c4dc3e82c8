/** Success responses of the four handlers, and the path parameter they share. */
import * as v from 'valibot';
import { BadRequest } from './errors.ts';
import { AppId } from './schemas/ids.ts';
import type { ApiResult } from './middleware/types.ts';
import { type AppRecord, etagOf } from './model.ts';
import { toAppView } from './service/app-view.ts';

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers,
  body: JSON.stringify(body),
});

export const appResponse = (statusCode: number, app: AppRecord, clientSecret?: string): ApiResult =>
  json(statusCode, { result: toAppView(app, clientSecret) }, { ETag: etagOf(app) });

/** The `{app_id}` path parameter, checked before it goes anywhere near a key. */
export function pathAppId(event: { pathParameters?: Record<string, string | undefined> }): string {
  const result = v.safeParse(AppId, event.pathParameters?.app_id);
  if (!result.success) throw new BadRequest('Invalid app_id', [{ path: 'app_id', message: 'Not an application id' }]);
  return result.output;
}
