import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { departureWorker } from '../src/departures/worker';
import { logger } from '../src/logger';
import { coldStart } from '../src/runtime';

const { config, clients } = coldStart();
const worker = departureWorker({ config, clients });

/** SQS batch from the departure queue: one idempotent departure revocation per record, partial batch failures. */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event, context) => worker.process(event, context));
