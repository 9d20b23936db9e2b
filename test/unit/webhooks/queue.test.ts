import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DepartureMessage } from '../../../src/departures/message';
import { TransientError } from '../../../src/errors';
import { queueDepartures } from '../../../src/webhooks/queue';

const sqs = mockClient(SQSClient);
const clients = { sqs: new SQSClient({ region: 'us-east-1' }) };
const URL = 'http://localhost/123456789012/departures';
const message = (i: number): DepartureMessage => ({
  id: `okta:u-${i}`,
  provider: 'okta',
  person: { email: `p${i}@example.com` },
  occurredAt: '2026-01-31T18:42:00.000Z',
  receivedAt: '2026-01-31T18:42:01.000Z',
});

beforeEach(() => {
  sqs.reset();
});

describe('Function: queueDepartures', () => {
  it('sends 23 departures as batches of 10, 10 and 3, each body the JSON message', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const messages = Array.from({ length: 23 }, (_, i) => message(i));
    await queueDepartures(clients, URL, messages);
    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    const bodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies).toEqual(messages);
  });

  it('fails with TransientError when any entry is refused', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: 'm0', MessageId: '1', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: 'm1', Code: 'InternalError', SenderFault: false }],
    });
    await expect(queueDepartures(clients, URL, [message(0), message(1)])).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('fails with TransientError when the queue is unreachable', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(queueDepartures(clients, URL, [message(0)])).rejects.toBeInstanceOf(TransientError);
  });
});
