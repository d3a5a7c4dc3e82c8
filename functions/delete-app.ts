/**
 * DELETE /v1/management/applications/{app_id}: removes the app and answers 204 at once. Its role
 * assignments and client record are removed afterwards by the stream-driven cleanup.
 */
import { pathAppId } from '#shared/http/path-params.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { functionHandler } from '#shared/middleware/function-handler.ts';
import { appService } from '#shared/service/index.ts';

const deleteApp = apiHandler('deleteApp', async (event) => {
  await appService.delete(event.caller, pathAppId(event));
  return { statusCode: 204, headers: {}, body: '' };
});

export const handler = functionHandler('deleteApp', { deleteApp });
