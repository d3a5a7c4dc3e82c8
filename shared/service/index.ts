/** The app service wired to the real table, once per process (module scope). */
import { readTableName } from '../config.ts';
import { AppRepository } from '../db/app-repository.ts';
import { createDocumentClient } from '../db/client.ts';
import { AppService } from './app-service.ts';

export const appService = new AppService(new AppRepository(createDocumentClient(), readTableName()));
