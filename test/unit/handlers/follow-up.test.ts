import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Handler } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidRequestError, NotFoundError } from '../../../src/errors';
import 'aws-sdk-client-mock-jest';

/** handlers/follow-up.ts as deployed: its cold start, its input (events/follow-up.json), its errors. */
const ddb = mockClient(DynamoDBDocumentClient);
const cloudtrail = mockClient(CloudTrailClient);
const sts = mockClient(STSClient);
const sns = mockClient(SNSClient);
const ctx = { functionName: 'followUp', awsRequestId: 'req-1' } as never;
const sample = JSON.parse(readFileSync(join(__dirname, '../../../events/follow-up.json'), 'utf8'));
let followUp: Handler;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.NOTIFY_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:offboarding';
  process.env.STATE_TABLE = 'offboarding-state';
  followUp = (await import('../../../handlers/follow-up')).handler as Handler;
});
afterAll(() => {
  process.env = saved;
});
beforeEach(() => {
  for (const m of [ddb, cloudtrail, sts, sns]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:x' });
  ddb.on(PutCommand).resolves({});
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
});

describe('Handler: follow-up', () => {
  it('reads the run of the sample event, looks up CloudTrail and records a quiet no-activity result', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          kind: 'follow-up-target',
          pk: `followup#${sample.runId}`,
          sk: 'target#123456789012',
          runId: sample.runId,
          trigger: 'departure',
          accountId: '123456789012',
          revokedAt: new Date(Date.now() - 60_000).toISOString(),
          denyAt: new Date(Date.now() - 55_000).toISOString(),
          regions: ['us-east-1'],
          usernames: ['jane.doe'],
          accessKeyIds: [],
          principals: ['arn:aws:iam::123456789012:user/jane.doe'],
          schedules: [],
          expiresAt: 0,
        },
      ],
    });
    const report = await followUp(sample, ctx, () => undefined);
    expect(report).toMatchObject({ kind: 'follow-up', runId: sample.runId, outcome: 'no-activity' });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'offboarding-state',
      ExpressionAttributeValues: { ':pk': `followup#${sample.runId}` },
    });
    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ kind: 'follow-up-result', outcome: 'no-activity' }),
    });
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['no runId', {}],
    ['an unknown field', { runId: 'r-1', at: 'now' }],
    ['a runId with characters a run id never has', { runId: 'a b' }],
  ])('rejects %s with InvalidRequestError before any AWS call', async (_label, event) => {
    await expect(followUp(event, ctx, () => undefined)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(ddb).not.toHaveReceivedAnyCommand();
    expect(cloudtrail).not.toHaveReceivedAnyCommand();
  });

  it('fails with NotFoundError for a run without follow-up targets', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(followUp(sample, ctx, () => undefined)).rejects.toBeInstanceOf(NotFoundError);
    expect(cloudtrail).not.toHaveReceivedAnyCommand();
  });
});
