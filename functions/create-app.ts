/** POST /v1/management/applications: create an app; the only response that ever carries its secret. */
import { appResponse } from '#shared/http.ts';
import { apiHandler } from '#shared/middleware/api-handler.ts';
import { CreateAppBody } from '#shared/schemas/app.ts';
import { appService } from '#shared/service/index.ts';
import { logger } from '#shared/logger.ts';

export const handler = apiHandler(
  'createApp',
  async (event) => {
    const { caller, body } = event;
    const { app, clientSecret } = await appService.create(
      { tenantId: caller.tenantId, subject: caller.subject },
      body,
    );
    logger.appendKeys({ app_id: app.app_id });
    return appResponse(201, app, clientSecret);
  },
  CreateAppBody,
);
