/**
 * The update function: PUT /v1/management/applications/{app_id} (partial update) and the app's client
 * secrets, POST …/{app_id}/secrets and DELETE …/{app_id}/secrets/{secret_id} (contract §9). All three
 * change the App's version, each with optimistic concurrency (ETag / If-Match).
 * The secret routes count what they did (SecretsAdded, SecretsDeleted) here, once the change is made,
 * not in the service, which knows nothing of metrics.
 */
import { pathAppId, pathSecretId } from '#shared/http/path-params.ts';
import { appResponse, json, versionsFromIfMatch } from '#shared/http/responses.ts';
import { METRIC } from '#shared/metric-names.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { functionHandler } from '#shared/middleware/function-handler.ts';
import { countForRequest } from '#shared/middleware/request-metrics.ts';
import { UpdateAppBody } from '#shared/schemas/app.ts';
import { appService, clientSecrets } from '#shared/service/index.ts';

const updateApp = apiHandler(
  'updateApp',
  async (event) => {
    const appId = pathAppId(event);
    const app = await appService.update(event.caller, appId, event.body, versionsFromIfMatch(event.headers['if-match']));
    return appResponse(200, app);
  },
  UpdateAppBody,
);

/** The new secret's value is in this 201 only; the App lists the secret by id from now on. */
const addClientSecret = apiHandler(
  'addClientSecret',
  async (event) => {
    const secret = await clientSecrets.add(event.caller, pathAppId(event), versionsFromIfMatch(event.headers['if-match']));
    countForRequest(event, METRIC.secretsAdded);
    return json(201, { result: secret });
  },
  'empty',
);

const deleteClientSecret = apiHandler('deleteClientSecret', async (event) => {
  const [appId, secretId] = [pathAppId(event), pathSecretId(event)];
  await clientSecrets.delete(event.caller, appId, secretId, versionsFromIfMatch(event.headers['if-match']));
  countForRequest(event, METRIC.secretsDeleted);
  return { statusCode: 204, headers: {}, body: '' };
});

export const handler = functionHandler('updateApp', { updateApp, addClientSecret, deleteClientSecret });
