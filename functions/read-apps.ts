/**
 * The read function: GET /v1/management/applications (the caller's apps, oldest first, paged by an opaque
 * cursor) and GET /v1/management/applications/{app_id} (one app with its ETag, for a read-then-If-Match
 * update). Never a secret in either.
 */
import * as v from 'valibot';
import { decodeCursor, encodeCursor } from '#shared/http/cursor.ts';
import { ListBody } from '#shared/http/list-body.ts';
import { pathAppId } from '#shared/http/path-params.ts';
import { appResponse, jsonText } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { functionHandler } from '#shared/middleware/function-handler.ts';
import { validationError } from '#shared/middleware/validate.ts';
import { routeNamed } from '#shared/routes.ts';
import { ListQuery } from '#shared/schemas/list-query.ts';
import { appService } from '#shared/service/index.ts';

/** Without `limit`, one response holds up to this many apps (contract §5), fewer when they are large. */
export const UNPAGED_MAX = 1000;

const COLLECTION_PATH = routeNamed('listApps').path;

const listApps = apiHandler('listApps', async (event) => {
  const query = v.safeParse(ListQuery, event.queryStringParameters ?? {}, { abortEarly: false });
  if (!query.success) throw validationError('query', query.issues);
  const { limit, cursor } = query.output;
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  // Ends at `limit` apps or before the body passes its byte budget, whichever comes first.
  const body = new ListBody();
  const page = await appService.list(event.caller, limit ?? UNPAGED_MAX, after, (app) => body.add(app));
  const last = page.apps.at(-1);
  if (!page.more || !last) return jsonText(200, body.text());

  const nextCursor = encodeCursor(last.app_id);
  const params = new URLSearchParams({ cursor: nextCursor, ...(limit ? { limit: String(limit) } : {}) });
  return jsonText(200, body.text(nextCursor), { Link: `<${COLLECTION_PATH}?${params}>; rel="next"` });
});

const getApp = apiHandler('getApp', async (event) => appResponse(200, await appService.get(event.caller, pathAppId(event))));

export const handler = functionHandler('readApps', { listApps, getApp });
