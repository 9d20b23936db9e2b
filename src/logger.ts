import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger. Handlers add `runId` and `trigger` with `appendKeys` once per invocation. */
export const logger = new Logger({ serviceName: 'offboarding' });
