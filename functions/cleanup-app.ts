/** Lambda: the stream consumer that removes what belonged to a deleted app (shared/cleanup/handler.ts). */
import { cleanupHandler } from '#shared/cleanup/handler.ts';
import { readTableName } from '#shared/config.ts';
import { AppRepository } from '#shared/db/app-repository.ts';
import { createDocumentClient } from '#shared/db/client.ts';

export const handler = cleanupHandler(new AppRepository(createDocumentClient(), readTableName()));
