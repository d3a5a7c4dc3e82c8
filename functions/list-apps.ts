/** GET /v1/management/applications: the caller's apps, oldest first, paged by an opaque cursor. */
import * as v from 'valibot';
import { json } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { validationError } from '#shared/middleware/validate.ts';
import { routeNamed } from '#shared/routes.ts';
import { toAppView } from '#shared/http/app-view.ts';
import { decodeCursor, encodeCursor } from '#shared/http/cursor.ts';
import { appService } from '#shared/service/index.ts';

/** Without `limit`, one response holds up to this many apps (contract §5). */
export const UNPAGED_MAX = 1000;

const ListQuery = v.strictObject({
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'Must be an integer from 1 to 100'), v.toNumber(), v.minValue(1), v.maxValue(100)),
  ),
  cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
});

const COLLECTION_PATH = routeNamed('listApps').path;

export const handler = apiHandler('listApps', async (event) => {
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
