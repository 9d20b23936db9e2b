import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { accountAccess } from '../src/accounts/access';
import { departureFanOut } from '../src/accounts/fanout';
import { fansOut } from '../src/config';
import { departureWorker } from '../src/departures/worker';
import { identityCenterDeps } from '../src/identity-center';
import { logger } from '../src/logger';
import { tracing } from '../src/middleware';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart(['ACCOUNT_QUEUE_URL']);
const access = accountAccess({ config, clients });
// Over several accounts (TARGET_ACCOUNTS other than self), a departure is queued per account for the account worker.
const fanOut = fansOut(config) ? departureFanOut({ config, clients, access }) : undefined;
const worker = departureWorker({
  config,
  clients,
  ...(fanOut ? { fanOut } : {}),
  // With IDENTITY_STORE_ID and SSO_INSTANCE_ARN set, the person's Identity Center user is revoked too.
  identityCenter: (runId, now) => identityCenterDeps(config, clients, access, runId, now),
});

/** SQS batch from the departure queue: one idempotent departure revocation per record, partial batch failures. */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(tracing())
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event, context) => worker.process(event, context));
