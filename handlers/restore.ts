import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { accountAccess } from '../src/accounts/access';
import { identityCenterDeps } from '../src/identity-center';
import { logger } from '../src/logger';
import { tracing } from '../src/middleware';
import { operatorResponses } from '../src/operator/http';
import { restore } from '../src/operator/lockdown';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();
// A request naming `accountId` acts in that account through its member role.
const access = accountAccess({ config, clients });
// With IDENTITY_STORE_ID and SSO_INSTANCE_ARN set, `identityCenterUser` targets an Identity Center user.
const identityCenter = (runId: string, now: Date) => identityCenterDeps(config, clients, access, runId, now);

/**
 * Direct invoke, or `POST /ops/restore` (HTTP API, `AWS_IAM` authorization: the verified caller ARN is recorded):
 * `{ target: {userName}|{roleName}, accountId?, runId?, reason, requestedBy, dryRun? }`.
 */
export const handler = middy()
  .use(tracing())
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(operatorResponses())
  .handler(async (event: unknown) =>
    restore(event, { config, clients, access, identityCenter, now: new Date() }),
  );
