import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { accountWorker } from '../src/accounts/worker';
import { logger } from '../src/logger';
import { tracing } from '../src/middleware';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();
const worker = accountWorker({ config, clients });

/**
 * SQS batch from `ACCOUNT_QUEUE_URL`: each record is one account's share of a departure or a sweep, handled
 * once per work item id in that account (the member role assumed), partial batch failures.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(tracing())
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event, context) => worker.process(event, context));
