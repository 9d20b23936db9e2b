import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../../src/clients';
import { departureWorker } from '../../../src/departures/worker';
import type { RevocationRequest, runRevocation } from '../../../src/engine/revoke';
import { testConfig } from '../../../tools/testing/config';
import { MemoryPersistence } from '../departures/memory-persistence';
import { AT, FINISHED, HOME, report, userReport } from './fixtures';
import 'aws-sdk-client-mock-jest';

/** The departure worker (one account) schedules the follow-ups of a departure it revoked, and says so in its report. */
const scheduler = mockClient(SchedulerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const clients = makeClients({ region: 'us-east-1' });
const context = {
  functionName: 'revocation-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
};
const FN = `arn:aws:lambda:us-east-1:${HOME}:function:offboarding-prod-followUp`;
const config = testConfig({
  schedulerRoleArn: `arn:aws:iam::${HOME}:role/offboarding-prod-scheduler`,
  followUpFunctionArn: FN,
});

const batch = (body: unknown): SQSEvent => ({
  Records: [{ messageId: 'm-1', body: JSON.stringify(body), attributes: {} } as unknown as SQSRecord],
});
const message = {
  id: 'standard:msg_now',
  provider: 'standard',
  person: { email: 'jane@example.com' },
  occurredAt: AT,
  receivedAt: AT,
};

function run(revoked: ReturnType<typeof report>) {
  const revoke = (async (r: RevocationRequest) => ({
    ...revoked,
    runId: r.runId ?? '',
  })) as typeof runRevocation;
  const w = departureWorker({
    config,
    clients,
    revoke,
    persistenceStore: new MemoryPersistence(),
    clock: () => new Date(FINISHED),
  });
  return w.process(batch(message), context as unknown as Context);
}

const publishedNotes = () =>
  sns
    .commandCalls(PublishCommand)
    .map((c) => JSON.parse(JSON.parse(c.args[0].input.Message ?? '{}').sqs).notes as string[]);

beforeEach(() => {
  for (const m of [scheduler, ddb, sns]) m.reset();
  scheduler.on(CreateScheduleCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  sns.on(PublishCommand).resolves({ MessageId: 'n' });
});

describe('Wiring: the departure worker schedules follow-ups', () => {
  it('after a departure revoked here that changed something: two schedules with its run id, noted in the report', async () => {
    expect(await run(report([userReport('jane', HOME, { AKIAJANE: 'done' })]))).toEqual({
      batchItemFailures: [],
    });
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Target: expect.objectContaining({ Arn: FN, Input: JSON.stringify({ runId: 'standard:msg_now' }) }),
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'followup#standard:msg_now', sk: `target#${HOME}` }),
    });
    expect(publishedNotes()[0]).toEqual([expect.stringMatching(/^CloudTrail follow-up scheduled: at\(/)]);
  });

  it('not after a departure that changed nothing (every step already done)', async () => {
    await run(report([userReport('jane', HOME, { AKIAJANE: 'already' }, 'already')]));
    expect(scheduler).not.toHaveReceivedAnyCommand();
    expect(publishedNotes()[0]).toEqual([]);
  });
});
