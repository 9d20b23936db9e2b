import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, Handler, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const ctx = {
  functionName: 'revocation-worker',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const saved = { ...process.env };
let handler: Handler;

beforeAll(() => {
  process.env.NOTIFY_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:offboarding';
  process.env.STATE_TABLE = 'offboarding-state';
  handler = require('../../../handlers/revocation-worker').handler;
});
afterAll(() => {
  process.env = saved;
});

describe('Handler module: handlers/revocation-worker', () => {
  it('processes the sample SQS event: idempotency record on the state table, a not-found report, no retry', async () => {
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], IsTruncated: false });
    sns.on(PublishCommand).resolves({ MessageId: 'n-1' });
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    const event = JSON.parse(
      readFileSync(join(__dirname, '../../../events/departure-sqs.json'), 'utf8'),
    ) as SQSEvent;

    const r = await handler(event, ctx, () => undefined);

    expect(r).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'offboarding-state' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        outcome: { DataType: 'String', StringValue: 'not-found' },
      }),
    });
  });
});
