import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger per process. Request bodies, tokens and secrets are never passed to it:
 * log lines carry ids, tenant, route and status only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'management-apps' });
