import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Clients } from '../clients';
import { awsErrorCode, describeError, TransientError } from '../errors';
import { logger } from '../logger';
import { mapLimit } from './concurrency';

/** IAM actions of queueing messages (SendMessageBatch is authorized as SendMessage). */
export const SEND_PERMISSIONS = ['sqs:SendMessage'] as const;

/** SQS accepts at most 10 entries per SendMessageBatch. */
const BATCH = 10;
/** Batches in flight at once: 50 accounts' work items leave in one round trip, not five. */
const BATCHES_AT_ONCE = 5;

/** One message to queue: `id` names it in logs (never sent), `attributes` become string message attributes. */
export interface OutgoingMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** One SendMessageBatch of at most 10 messages. @throws TransientError unless every entry is taken. */
async function sendChunk(
  clients: Pick<Clients, 'sqs'>,
  queueUrl: string,
  chunk: readonly OutgoingMessage[],
  what: string,
): Promise<void> {
  let failed: readonly { Id?: string; Code?: string; SenderFault?: boolean }[];
  try {
    const r = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, i) => ({
          Id: `m${i}`,
          MessageBody: m.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(m.attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        })),
      }),
    );
    failed = r.Failed ?? [];
  } catch (err) {
    logger.error(`${what} unavailable`, { error: awsErrorCode(err) ?? describeError(err) });
    throw new TransientError(`${what} unavailable`, { cause: err });
  }
  if (failed.length) {
    logger.error(`${what} refused messages`, {
      failed: failed.map((f) => ({ id: chunk[Number(f.Id?.slice(1))]?.id, code: f.Code })),
    });
    throw new TransientError(`${what} refused ${failed.length} message(s)`);
  }
}

/**
 * Queues messages with SendMessageBatch, 10 per call, a few calls at once. Any failed entry fails the whole
 * call: the caller's retry sends everything again, and the consumer's dedupe absorbs what was queued twice.
 * SQS: `sqs:SendMessage`.
 * @throws TransientError when the queue does not take every message (`what` names the queue in the message).
 * @example
 * await sendBatch(clients, queueUrl, [{ id: 'a', body: '{}' }], 'departure queue');
 */
export async function sendBatch(
  clients: Pick<Clients, 'sqs'>,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  what: string,
): Promise<void> {
  const chunks: OutgoingMessage[][] = [];
  for (let start = 0; start < messages.length; start += BATCH)
    chunks.push(messages.slice(start, start + BATCH));
  await mapLimit(chunks, BATCHES_AT_ONCE, (chunk) => sendChunk(clients, queueUrl, chunk, what));
}
