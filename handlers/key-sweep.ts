import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../src/logger';
import { errorReporting } from '../src/middleware';
import { coldStart } from '../src/runtime';
import { keySweep } from '../src/sweep/sweep';

const { config, clients } = coldStart();

/**
 * EventBridge schedule: the scheduled event, or a constant input `{ "mode": "report" | "enforce" }`
 * (overrides `SWEEP_MODE`; `DRY_RUN` wins). Returns the sweep summary.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(errorReporting())
  .handler(async (event: unknown) => keySweep(event, { config, clients, now: new Date() }));
