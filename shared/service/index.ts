/** The services wired to the real table, once per process (module scope). */
import { readTableName } from '../config.ts';
import { AppRepository } from '../db/app-repository.ts';
import { createDocumentClient } from '../db/client.ts';
import { AppService } from './app-service.ts';
import { ClientSecrets } from './client-secrets.ts';
import { IdempotentCreate } from './idempotent-create.ts';

const repository = new AppRepository(createDocumentClient(), readTableName());

export const appService = new AppService(repository);
export const idempotentCreate = new IdempotentCreate(appService, repository.idempotency);
export const clientSecrets = new ClientSecrets(repository);
