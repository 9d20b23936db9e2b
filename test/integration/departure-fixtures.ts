import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Shared steps of the departure integration tests (not a test file). */

export const lambdaContext = (functionName: string) =>
  ({
    functionName,
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

/** Creates a queue; with `maxReceiveCount`, also its DLQ and the redrive policy. */
export async function createQueue(
  sqs: SQSClient,
  name: string,
  maxReceiveCount?: number,
): Promise<{ url: string; dlqUrl?: string }> {
  let Attributes: Record<string, string> | undefined;
  let dlqUrl: string | undefined;
  if (maxReceiveCount) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl ?? '';
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    Attributes = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount }) };
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl ?? '';
  return { url, ...(dlqUrl ? { dlqUrl } : {}) };
}

/** Stores each provider's secrets (newline-separated) as the SecureString the webhook reads. */
export async function putWebhookSecrets(
  ssm: SSMClient,
  prefix: string,
  secrets: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  for (const [provider, values] of Object.entries(secrets)) {
    await ssm.send(
      new PutParameterCommand({
        Name: `${prefix}${provider}`,
        Type: 'SecureString',
        Value: values.join('\n'),
        Overwrite: true,
      }),
    );
  }
}

/** Receives what is visible now (at most `max`), as Lambda's SQS event source would pass it. */
export async function receive(sqs: SQSClient, url: string, max = 10): Promise<SQSRecord[]> {
  const r = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return (r.Messages ?? []).map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
      SenderId: m.Attributes?.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:departures',
    awsRegion: 'us-east-1',
  }));
}

/** Every visible message body, deleted from the queue. */
export async function drainBodies(sqs: SQSClient, url: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const records = await receive(sqs, url);
    if (!records.length) return out;
    out.push(...records.map((r) => JSON.parse(r.body)));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
}

/**
 * One poll of the event source mapping: receive, invoke, delete what succeeded, make the failures visible
 * again at once (instead of after the visibility timeout) so the test can redeliver them.
 */
export async function pollOnce(
  sqs: SQSClient,
  url: string,
  process: (event: SQSEvent) => Promise<SQSBatchResponse>,
  max = 10,
): Promise<{ records: SQSRecord[]; response: SQSBatchResponse }> {
  const records = await receive(sqs, url, max);
  if (!records.length) return { records, response: { batchItemFailures: [] } };
  const response = await process({ Records: records });
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = records.filter((r) => !failed.has(r.messageId));
  const retry = records.filter((r) => failed.has(r.messageId));
  if (done.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  if (retry.length) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: retry.map((r, i) => ({
          Id: String(i),
          ReceiptHandle: r.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return { records, response };
}
