/** PUT /v1/management/applications/{app_id}: partial update with optimistic concurrency (ETag / If-Match). */
import { appResponse, pathAppId, versionsFromIfMatch } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { UpdateAppBody } from '#shared/schemas/app.ts';
import { appService } from '#shared/service/index.ts';

export const handler = apiHandler(
  'updateApp',
  async (event) => {
    const appId = pathAppId(event);
    const app = await appService.update(event.caller, appId, event.body, versionsFromIfMatch(event.headers['if-match']));
    return appResponse(200, app);
  },
  UpdateAppBody,
);
