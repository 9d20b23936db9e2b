import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { accountAccess } from '../src/accounts/access';
import { sweepFanOut } from '../src/accounts/fanout';
import { fansOut } from '../src/config';
import { logger } from '../src/logger';
import { errorReporting } from '../src/middleware';
import { coldStart } from '../src/runtime';
import { keySweep, keySweepAcrossAccounts } from '../src/sweep/sweep';

const { config, clients } = coldStart(['ACCOUNT_QUEUE_URL']);
// Over several accounts (TARGET_ACCOUNTS other than self), one sweep per account is queued for the account worker.
const fanOut = fansOut(config)
  ? sweepFanOut({ config, clients, access: accountAccess({ config, clients }) })
  : undefined;

/**
 * EventBridge schedule: the scheduled event, or a constant input `{ "mode": "report" | "enforce" }`
 * (overrides `SWEEP_MODE`; `DRY_RUN` wins). Returns the sweep summary (one account), or the accounts queued.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(errorReporting())
  .handler(async (event: unknown) =>
    fanOut
      ? keySweepAcrossAccounts(event, fanOut, new Date())
      : keySweep(event, { config, clients, now: new Date() }),
  );
