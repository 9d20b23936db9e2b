import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toRecord } from '../local/sqs-record';
import type { InvokeResult, LambdaFunction } from './lambda';

/**
 * A local stand-in for Lambda's SQS event source mapping with `ReportBatchItemFailures`, on a real moto
 * queue: `concurrency` pollers each receive up to `batchSize` messages (long poll of `batchWindowSeconds`),
 * invoke the function with an `SQSEvent`, and delete only the records the response does not list in
 * `batchItemFailures`. Failed records are left alone: they become visible again when the queue's visibility
 * timeout expires, and moto moves a message to the DLQ at the receive past the queue's `maxReceiveCount`
 * (RedrivePolicy), as SQS does: the driver neither shortens visibility nor counts receives itself. As in
 * Lambda, a response naming an unknown or empty item identifier, an error, a timeout or a crash fails the
 * whole batch. The driver talks to moto directly (no fault proxy): it plays AWS's own poller.
 */

export interface EventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly fn: LambdaFunction;
  readonly batchSize: number;
  /** Pollers (the mapping's maximum concurrency). */
  readonly concurrency: number;
  readonly batchWindowSeconds: number;
}

export interface EventSourceStats {
  batches: number;
  records: number;
  /** Records received with ApproximateReceiveCount > 1. */
  redeliveries: number;
  /** Records reported in batchItemFailures. */
  itemFailures: number;
  /** Batches failed whole: handler error, timeout, crash or an invalid response. */
  failedBatches: number;
  deleted: number;
  highestReceiveCount: number;
}

/** What happened to each message id, in order. */
export interface DeliveryRecord {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  /** When the batch was received (epoch ms). */
  readonly receivedAt: number;
  readonly result: 'deleted' | 'item-failure' | 'batch-failed';
  readonly invocation: InvokeResult['status'];
  /** The handler's error or the invocation's failure, when the batch failed whole. */
  readonly error?: string;
}

/** The ids to keep from a response, or undefined when Lambda would fail the whole batch. */
function failedIds(response: unknown, ids: ReadonlySet<string>): Set<string> | undefined {
  if (response === null || response === undefined) return new Set();
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const out = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown })?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return undefined;
    out.add(id);
  }
  return out;
}

export class SqsEventSource {
  readonly stats: EventSourceStats = {
    batches: 0,
    records: 0,
    redeliveries: 0,
    itemFailures: 0,
    failedBatches: 0,
    deleted: 0,
    highestReceiveCount: 0,
  };
  readonly deliveries: DeliveryRecord[] = [];
  readonly #options: EventSourceOptions;
  #running = false;
  #inFlight = 0;
  #pollers: Promise<void>[] = [];

  constructor(options: EventSourceOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pollers = Array.from({ length: this.#options.concurrency }, () => this.#poll());
  }

  async #poll(): Promise<void> {
    const { sqs, queueUrl, batchSize, batchWindowSeconds } = this.#options;
    while (this.#running) {
      let messages: Message[] = [];
      try {
        const r = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: batchWindowSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = r.Messages ?? [];
      } catch {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!messages.length) continue;
      this.#inFlight++;
      try {
        await this.#deliver(messages);
      } finally {
        this.#inFlight--;
      }
    }
  }

  async #deliver(messages: Message[]): Promise<void> {
    const { sqs, queueUrl, queueArn, region, fn } = this.#options;
    const receivedAt = Date.now();
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn, region)) };
    this.stats.batches++;
    this.stats.records += messages.length;
    for (const r of event.Records) {
      const count = Number(r.attributes.ApproximateReceiveCount);
      if (count > 1) this.stats.redeliveries++;
      this.stats.highestReceiveCount = Math.max(this.stats.highestReceiveCount, count);
    }
    const result = await fn.invoke<SQSBatchResponse>(event);
    const ids = new Set(event.Records.map((r) => r.messageId));
    const failed = result.status === 'ok' ? failedIds(result.value, ids) : undefined;
    if (!failed) this.stats.failedBatches++;
    else this.stats.itemFailures += failed.size;
    const done = failed ? messages.filter((m) => !failed.has(m.MessageId ?? '')) : [];
    if (done.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      this.stats.deleted += done.length;
    }
    for (const r of event.Records) {
      this.deliveries.push({
        messageId: r.messageId,
        body: r.body,
        receiveCount: Number(r.attributes.ApproximateReceiveCount),
        receivedAt,
        result: !failed ? 'batch-failed' : failed.has(r.messageId) ? 'item-failure' : 'deleted',
        invocation: result.status,
        ...(result.status === 'error' ? { error: `${result.errorType}: ${result.errorMessage}` } : {}),
        ...(result.status === 'crashed' ? { error: result.reason } : {}),
        ...(result.status === 'ok' && !failed ? { error: 'invalid batchItemFailures' } : {}),
      });
    }
  }

  /** Messages still on the queue (visible, in flight or delayed). */
  async remaining(): Promise<number> {
    const a = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const n = (k: keyof NonNullable<typeof a.Attributes>) => Number(a.Attributes?.[k] ?? 0);
    return (
      n('ApproximateNumberOfMessages') +
      n('ApproximateNumberOfMessagesNotVisible') +
      n('ApproximateNumberOfMessagesDelayed')
    );
  }

  /**
   * Resolves once the queue is empty (every message deleted or moved to the DLQ) and no invocation runs,
   * seen twice in a row; rejects after `timeoutMs`.
   */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > deadline) {
        throw new Error(`queue not drained within ${timeoutMs} ms (${await this.remaining()} messages left)`);
      }
      await new Promise((r) => setTimeout(r, 500));
      quiet = this.#inFlight === 0 && (await this.remaining()) === 0 ? quiet + 1 : 0;
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#pollers);
  }
}
