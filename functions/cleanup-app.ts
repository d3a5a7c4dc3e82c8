/**
 * Lambda: removes what belonged to a deleted app, from the table's stream and from the redrive schedule
 * (shared/cleanup/handler.ts).
 */
import { cleanupHandler } from '#shared/cleanup/handler.ts';
import { readTableName } from '#shared/config.ts';
import { AppRepository } from '#shared/db/app-repository.ts';
import { createDocumentClient } from '#shared/db/client.ts';

const repository = new AppRepository(createDocumentClient(), readTableName());

export const handler = cleanupHandler(repository, repository.cleanupMarkers);
