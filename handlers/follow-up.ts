import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { accountAccess } from '../src/accounts/access';
import { followUp } from '../src/follow-up/run';
import { logger } from '../src/logger';
import { errorReporting, tracing } from '../src/middleware';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();
// Another account's CloudTrail and keys are read through its member role (the session named after the run).
const access = accountAccess({ config, clients });

/**
 * EventBridge Scheduler one-time schedule (made by the run that revoked, `FOLLOW_UP_MINUTES` after it):
 * `{ "runId" }`. Returns the follow-up report (CloudTrail activity after the revocation).
 */
export const handler = middy()
  .use(tracing())
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(errorReporting())
  .handler(async (event: unknown) => followUp(event, { config, clients, access, now: new Date() }));
