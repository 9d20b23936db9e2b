import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../src/logger';
import { errorReporting } from '../src/middleware';
import { restore } from '../src/operator/lockdown';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();

/** Direct invoke: `{ target: {userName}|{roleName}, reason, requestedBy }`. */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(errorReporting())
  .handler(async (event: unknown) => restore(event, { config, clients, now: new Date() }));
