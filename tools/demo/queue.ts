import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toRecord } from '../local/sqs-record';

/**
 * A local stand-in for Lambda's SQS event source mapping: receives what is on the queue, invokes the real
 * worker handler with an `SQSEvent`, deletes the records it did not report as failed (those become visible
 * again after the visibility timeout, and past the redrive limit go to the DLQ). Never used outside the demo.
 */

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface Delivery {
  readonly received: number;
  readonly messageIds: readonly string[];
  readonly bodies: readonly string[];
  readonly batchItemFailures: readonly string[];
}

/** Delivers one batch (up to 10 messages) from `queueUrl` to `handler`, as the event source mapping would. */
export async function deliverBatch(
  sqs: SQSClient,
  queueUrl: string,
  region: string,
  handler: SqsHandler,
  context: Context,
): Promise<Delivery> {
  const queueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  const r = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = r.Messages ?? [];
  if (!messages.length) return { received: 0, messageIds: [], bodies: [], batchItemFailures: [] };
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn, region)) };
  const response = await handler(event, context);
  const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
  if (done.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return {
    received: messages.length,
    messageIds: messages.map((m) => m.MessageId ?? ''),
    bodies: messages.map((m) => m.Body ?? ''),
    batchItemFailures: [...failed],
  };
}

/** Messages on a queue, visible or in flight (GetQueueAttributes). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attrs =
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes ?? {};
  return (
    Number(attrs.ApproximateNumberOfMessages ?? 0) + Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
