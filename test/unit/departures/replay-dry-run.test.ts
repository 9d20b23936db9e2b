import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  parseReplayArgs,
  type ReplayOptions,
  renderReplay,
  replayDryRun,
} from '../../../scripts/replay-dry-run';
import {
  DRY_RUN_DEPARTURE_KEEP_SECONDS,
  DRY_RUN_DEPARTURES_PK,
  dryRunDepartureItem,
  forgetDryRunDeparture,
  keepDryRunDeparture,
} from '../../../src/departures/dry-run';
import type { DepartureMessage } from '../../../src/departures/message';
import { TransientError } from '../../../src/errors';
import { NOW } from '../webhooks/support';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const clients = {
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  sqs: new SQSClient({ region: 'us-east-1' }),
};
const store = { ddb: clients.ddb, table: 'offboarding-prod-state' };
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/offboarding-prod-departures';

const message = (i: number): DepartureMessage => ({
  id: `hibob:${String(i).padStart(40, '0')}`,
  provider: 'hibob',
  person: { employeeId: `E-${i}`, email: `p${i}@example.com` },
  occurredAt: '2026-01-31T00:00:00.000Z',
  reason: 'HiBob employee.left',
  receivedAt: '2026-01-31T00:00:01.000Z',
});
const item = (i: number) => dryRunDepartureItem(message(i), NOW);

/** The state table's partition as pages of `size` items, chained by LastEvaluatedKey. */
function answerPages(items: readonly unknown[], size: number) {
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.sk) : 0;
    const end = start + size;
    return {
      Items: items.slice(start, end),
      ...(end < items.length ? { LastEvaluatedKey: { pk: DRY_RUN_DEPARTURES_PK, sk: String(end) } } : {}),
    };
  });
}
const sentBodies = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e) => JSON.parse(e.MessageBody ?? ''));
const options = (overrides: Partial<ReplayOptions> = {}): ReplayOptions => ({
  ...parseReplayArgs(['--stage', 'prod', '--region', 'eu-west-1']),
  ...overrides,
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: QUEUE_URL });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('Dry-run departures: the kept items', () => {
  it('keeps a planned departure under dry-run#departures, keyed by its id, unchanged, with a 30-day TTL', async () => {
    ddb.on(PutCommand).resolves({});
    await keepDryRunDeparture(store, message(1), NOW);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'offboarding-prod-state',
      Item: {
        pk: 'dry-run#departures',
        sk: message(1).id,
        kind: 'dry-run-departure',
        message: message(1),
        plannedAt: NOW.toISOString(),
        expiresAt: NOW.getTime() / 1000 + DRY_RUN_DEPARTURE_KEEP_SECONDS,
      },
    });
  });

  it('forgets a departure by its id', async () => {
    ddb.on(DeleteCommand).resolves({});
    await forgetDryRunDeparture(store, message(1).id);
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'offboarding-prod-state',
      Key: { pk: 'dry-run#departures', sk: message(1).id },
    });
  });
});

describe('Script: replay-dry-run', () => {
  it("resolves the stage's table and queue, reads every page and queues each departure unchanged, 10 per batch", async () => {
    const items = Array.from({ length: 12 }, (_, i) => item(i));
    answerPages(items, 5);
    const result = await replayDryRun(options(), clients);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'offboarding-prod-state',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'dry-run#departures' },
    });
    expect(sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, { QueueName: 'offboarding-prod-departures' });
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 2,
    ]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    expect(sentBodies()).toEqual(items.map((i) => i.message));
    expect(result).toMatchObject({ sent: true, queueUrl: QUEUE_URL, invalid: [], unknownIds: [] });
    expect(renderReplay(result, options())).toContain(`replayed 12 departure(s) to ${QUEUE_URL}:`);
  });

  it('with --list, prints the kept departures and sends nothing', async () => {
    answerPages([item(1), item(2)], 10);
    const result = await replayDryRun(options({ list: true }), clients);
    expect(result.sent).toBe(false);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    const text = renderReplay(result, options());
    expect(text).toContain('2 departure(s) kept in offboarding-prod-state, not sent (--list):');
    expect(text).toContain(`${message(1).id}  E-1 p1@example.com  occurred 2026-01-31T00:00:00.000Z`);
  });

  it('with --id, replays only those ids and names the ones it does not hold', async () => {
    answerPages([item(1), item(2), item(3)], 10);
    const result = await replayDryRun(options({ ids: [message(2).id, 'hibob:gone'] }), clients);
    expect(sentBodies()).toEqual([message(2)]);
    expect(result.unknownIds).toEqual(['hibob:gone']);
  });

  it('leaves an item that is not a departure in place, reports it and replays the others', async () => {
    answerPages([item(1), { pk: DRY_RUN_DEPARTURES_PK, sk: 'broken', message: { id: 'x y' } }, item(2)], 10);
    const result = await replayDryRun(options(), clients);
    expect(sentBodies()).toEqual([message(1), message(2)]);
    expect(result.invalid).toEqual([
      { sk: 'broken', problems: expect.arrayContaining([expect.any(String)]) },
    ]);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('sends nothing and looks up no queue when nothing is kept', async () => {
    answerPages([], 10);
    const result = await replayDryRun(options(), clients);
    expect(result.sent).toBe(false);
    expect(sqs).not.toHaveReceivedCommand(GetQueueUrlCommand);
    expect(renderReplay(result, options())).toBe('no departure to replay in offboarding-prod-state');
  });

  it('uses --queue-url without looking the queue up', async () => {
    answerPages([item(1)], 10);
    await replayDryRun(options({ queue: { url: 'http://127.0.0.1:5000/123456789012/q' } }), clients);
    expect(sqs).not.toHaveReceivedCommand(GetQueueUrlCommand);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: 'http://127.0.0.1:5000/123456789012/q',
    });
  });

  it('fails (to be run again) when the queue refuses a message, deleting nothing', async () => {
    answerPages([item(1)], 10);
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', Code: 'InternalError', SenderFault: false }] });
    await expect(replayDryRun(options(), clients)).rejects.toThrow(TransientError);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  describe('arguments', () => {
    it('names the table and queue after the stage, the region from the flag or the environment', () => {
      expect(parseReplayArgs(['--stage', 'prod'], { AWS_REGION: 'eu-west-1' })).toEqual({
        region: 'eu-west-1',
        table: 'offboarding-prod-state',
        queue: { name: 'offboarding-prod-departures' },
        list: false,
        ids: [],
      });
      expect(
        parseReplayArgs(['--stage', 'dev', '--region', 'us-west-2', '--list', '--id', 'a', '--id', 'b']),
      ).toMatchObject({
        region: 'us-west-2',
        list: true,
        ids: ['a', 'b'],
      });
    });

    it('takes an explicit table and queue URL instead of a stage', () => {
      expect(parseReplayArgs(['--table', 't', '--queue-url', 'http://q'])).toMatchObject({
        table: 't',
        queue: { url: 'http://q' },
      });
    });

    it.each([[[]], [['--table', 't']], [['--stage', 'a/b']], [['--stage', 'prod', '--bogus']]])(
      'refuses %j with the usage',
      (argv) => {
        expect(() => parseReplayArgs(argv)).toThrow();
      },
    );
  });
});
