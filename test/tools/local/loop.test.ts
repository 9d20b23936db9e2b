/**
 * The local loop's queue poller (tools/local/loop.ts `drainQueue`) on a real moto_server queue, with the
 * worker replaced by a function that records each batch: what it hands over, what it deletes, what it leaves
 * for a retry. The whole loop (serverless offline, the real worker) runs in test/integration/local-loop.test.ts.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { drainQueue } from '../../../tools/local/loop';
import { type Moto, startMoto } from '../../../tools/local/moto';
import { motoClients } from '../../../tools/local/seed';

let moto: Moto;
let sqs: SQSClient;
let n = 0;

beforeAll(async () => {
  moto = await startMoto();
  sqs = motoClients(moto).sqs;
});

afterAll(async () => {
  await moto?.stop();
});

/** A fresh queue holding `bodies`; a long visibility timeout keeps a received message out of sight. */
async function queueWith(bodies: string[]) {
  const url = (
    await sqs.send(new CreateQueueCommand({ QueueName: `q${++n}`, Attributes: { VisibilityTimeout: '60' } }))
  ).QueueUrl as string;
  for (const MessageBody of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody }));
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn as string;
  return { url, arn };
}

/** Messages the queue still holds, visible or received and not deleted. */
async function held(url: string): Promise<number> {
  const a = (
    await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    )
  ).Attributes;
  return Number(a?.ApproximateNumberOfMessages) + Number(a?.ApproximateNumberOfMessagesNotVisible);
}

describe('Function: drainQueue', () => {
  it('hands every message to the worker as an SQS event of that queue and deletes them', async () => {
    const q = await queueWith(['{"id":"a"}', '{"id":"b"}']);
    const batches: SQSEvent[] = [];
    const r = await drainQueue({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      region: 'us-east-1',
      invoke: async (event) => {
        batches.push(event);
        return new Set();
      },
    });
    expect(r).toEqual({ handed: 2, done: 2, failed: 0 });
    const records = batches.flatMap((b) => b.Records);
    expect(records.map((x) => x.body).sort()).toEqual(['{"id":"a"}', '{"id":"b"}']);
    expect(records.every((x) => x.eventSource === 'aws:sqs' && x.eventSourceARN === q.arn)).toBe(true);
    expect(await held(q.url)).toBe(0);
  });

  it('leaves on the queue the messages the worker reports as failed', async () => {
    const q = await queueWith(['{"id":"ok"}', '{"id":"bad"}']);
    let calls = 0;
    const r = await drainQueue({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      region: 'us-east-1',
      invoke: async (event) => {
        calls++;
        return new Set(event.Records.filter((x) => x.body.includes('bad')).map((x) => x.messageId));
      },
    });
    // The failed message is received once: it is out of sight until its visibility timeout.
    expect(r).toEqual({ handed: 2, done: 1, failed: 1 });
    expect(calls).toBeLessThanOrEqual(2);
    expect(await held(q.url)).toBe(1);
  });

  it('rethrows a failed invoke and deletes nothing', async () => {
    const q = await queueWith(['{"id":"x"}']);
    await expect(
      drainQueue({
        sqs,
        queueUrl: q.url,
        queueArn: q.arn,
        region: 'us-east-1',
        invoke: async () => {
          throw new Error('worker invoke failed (HTTP 502)');
        },
      }),
    ).rejects.toThrow('worker invoke failed (HTTP 502)');
    expect(await held(q.url)).toBe(1);
  });

  it('invokes nothing when the queue is empty', async () => {
    const q = await queueWith([]);
    const invoke = jest.fn();
    expect(await drainQueue({ sqs, queueUrl: q.url, queueArn: q.arn, region: 'us-east-1', invoke })).toEqual({
      handed: 0,
      done: 0,
      failed: 0,
    });
    expect(invoke).not.toHaveBeenCalled();
  });
});
