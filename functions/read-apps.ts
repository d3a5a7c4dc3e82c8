/**
 * The read function: GET /v1/management/applications (the caller's apps, oldest first, paged by an opaque
 * cursor) and GET /v1/management/applications/{app_id} (one app with its ETag, for a read-then-If-Match
 * update). Never a secret in either.
 */
import * as v from 'valibot';
import { toAppView } from '#shared/http/app-view.ts';
import { decodeCursor, encodeCursor } from '#shared/http/cursor.ts';
import { pathAppId } from '#shared/http/path-params.ts';
import { appResponse, json } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { functionHandler } from '#shared/middleware/function-handler.ts';
import { validationError } from '#shared/middleware/validate.ts';
import { routeNamed } from '#shared/routes.ts';
import { ListQuery } from '#shared/schemas/list-query.ts';
import { appService } from '#shared/service/index.ts';

/** Without `limit`, one response holds up to this many apps (contract §5). */
export const UNPAGED_MAX = 1000;

const COLLECTION_PATH = routeNamed('listApps').path;

const listApps = apiHandler('listApps', async (event) => {
  const query = v.safeParse(ListQuery, event.queryStringParameters ?? {}, { abortEarly: false });
  if (!query.success) throw validationError('query', query.issues);
  const { limit, cursor } = query.output;
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const page = await appService.list(event.caller, limit ?? UNPAGED_MAX, after);
  const last = page.apps.at(-1);
  if (!page.more || !last) return json(200, { result: page.apps.map((app) => toAppView(app)) });

  const nextCursor = encodeCursor(last.app_id);
  const params = new URLSearchParams({ cursor: nextCursor, ...(limit ? { limit: String(limit) } : {}) });
  return json(
    200,
    { result: page.apps.map((app) => toAppView(app)), next_cursor: nextCursor },
    { Link: `<${COLLECTION_PATH}?${params}>; rel="next"` },
  );
});

const getApp = apiHandler('getApp', async (event) => appResponse(200, await appService.get(event.caller, pathAppId(event))));

export const handler = functionHandler('readApps', { listApps, getApp });
