import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../logger';

/**
 * The one SQS batch loop of the project's queue consumers: records one after another (IAM writes stay
 * bounded), each failure reported as a `batchItemFailures` entry so SQS delivers only that record again, the
 * Lambda context registered with the idempotency config (its in-progress records expire with the invocation).
 * @example
 * export const process = sqsBatch(handleRecord, idempotencyConfig, 'departure');
 */
export function sqsBatch(
  handleRecord: (record: SQSRecord) => Promise<unknown>,
  idempotencyConfig: IdempotencyConfig,
  trigger: string,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event, context) => {
    idempotencyConfig.registerLambdaContext(context);
    logger.appendKeys({ trigger });
    return processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}
