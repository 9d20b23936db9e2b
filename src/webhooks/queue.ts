import type { Clients } from '../clients';
import type { QueuedMessage } from '../departures/message';
import { SEND_PERMISSIONS, sendBatch } from '../util/queue';

/** IAM actions of queueing departures (SendMessageBatch is authorized as SendMessage). */
export const QUEUE_PERMISSIONS = SEND_PERMISSIONS;

/**
 * Queues departures (and cancellations) with SendMessageBatch, 10 at a time. Any failed entry fails the whole delivery (503):
 * the sender retries it all, and the worker's dedupe on `id` absorbs what was queued twice.
 * SQS: `sqs:SendMessage` (SendMessageBatch is authorized as SendMessage).
 * @throws TransientError when the queue does not take every message.
 */
export async function queueDepartures(
  clients: Pick<Clients, 'sqs'>,
  queueUrl: string,
  messages: readonly QueuedMessage[],
): Promise<void> {
  await sendBatch(
    clients,
    queueUrl,
    messages.map((m) => ({ id: m.id, body: JSON.stringify(m), attributes: { provider: m.provider } })),
    'departure queue',
  );
}
