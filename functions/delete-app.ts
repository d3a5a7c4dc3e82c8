/**
 * DELETE /v1/management/applications/{app_id}: removes the app and answers 204 at once. Its role
 * assignments and client record are removed afterwards by the stream-driven cleanup.
 */
import { pathAppId } from '#shared/http/responses.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { appService } from '#shared/service/index.ts';

export const handler = apiHandler('deleteApp', async (event) => {
  await appService.delete(event.caller, pathAppId(event));
  return { statusCode: 204, headers: {}, body: '' };
});
