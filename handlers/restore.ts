import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../src/logger';
import { operatorResponses } from '../src/operator/http';
import { restore } from '../src/operator/lockdown';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();

/**
 * Direct invoke, or `POST /ops/restore` (HTTP API, `AWS_IAM` authorization: the verified caller ARN is recorded):
 * `{ target: {userName}|{roleName}, runId?, reason, requestedBy, dryRun? }`.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(operatorResponses())
  .handler(async (event: unknown) => restore(event, { config, clients, now: new Date() }));
