import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { accountAccess } from '../src/accounts/access';
import { logger } from '../src/logger';
import { operatorResponses } from '../src/operator/http';
import { restore } from '../src/operator/lockdown';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();
// A request naming `accountId` acts in that account through its member role.
const access = accountAccess({ config, clients });

/**
 * Direct invoke, or `POST /ops/restore` (HTTP API, `AWS_IAM` authorization: the verified caller ARN is recorded):
 * `{ target: {userName}|{roleName}, accountId?, runId?, reason, requestedBy, dryRun? }`.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(operatorResponses())
  .handler(async (event: unknown) => restore(event, { config, clients, access, now: new Date() }));
