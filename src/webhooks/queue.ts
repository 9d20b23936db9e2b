import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Clients } from '../clients';
import type { DepartureMessage } from '../departures/message';
import { awsErrorCode, describeError, TransientError } from '../errors';
import { logger } from '../logger';

/** IAM actions of queueing departures (SendMessageBatch is authorized as SendMessage). */
export const QUEUE_PERMISSIONS = ['sqs:SendMessage'] as const;

/** SQS accepts at most 10 entries per SendMessageBatch. */
const BATCH = 10;

/**
 * Queues departures with SendMessageBatch, 10 at a time. Any failed entry fails the whole delivery (503):
 * the sender retries it all, and the worker's dedupe on `id` absorbs what was queued twice.
 * SQS: `sqs:SendMessage` (SendMessageBatch is authorized as SendMessage).
 * @throws TransientError when the queue does not take every message.
 */
export async function queueDepartures(
  clients: Pick<Clients, 'sqs'>,
  queueUrl: string,
  messages: readonly DepartureMessage[],
): Promise<void> {
  for (let start = 0; start < messages.length; start += BATCH) {
    const chunk = messages.slice(start, start + BATCH);
    let failed: readonly { Id?: string; Code?: string; SenderFault?: boolean }[];
    try {
      const r = await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, i) => ({
            Id: `m${i}`,
            MessageBody: JSON.stringify(m),
            MessageAttributes: { provider: { DataType: 'String', StringValue: m.provider } },
          })),
        }),
      );
      failed = r.Failed ?? [];
    } catch (err) {
      logger.error('departure queue unavailable', { error: awsErrorCode(err) ?? describeError(err) });
      throw new TransientError('departure queue unavailable', { cause: err });
    }
    if (failed.length) {
      logger.error('departure queue refused messages', {
        failed: failed.map((f) => ({ id: chunk[Number(f.Id?.slice(1))]?.id, code: f.Code })),
      });
      throw new TransientError(`departure queue refused ${failed.length} message(s)`);
    }
  }
}
