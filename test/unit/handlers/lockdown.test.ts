import type { Handler } from 'aws-lambda';
import { InvalidRequestError } from '../../../src/errors';
import { allCalls, answerDefaults, mockAws } from '../../support/iam-mock';

const m = mockAws();
const ctx = { functionName: 'lockdown', awsRequestId: 'req-1' } as never;
let lockdown: Handler;
let restore: Handler;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.NOTIFY_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:offboarding';
  process.env.STATE_TABLE = 'offboarding-state';
  lockdown = (await import('../../../handlers/lockdown')).handler as Handler;
  restore = (await import('../../../handlers/restore')).handler as Handler;
});
afterAll(() => {
  process.env = saved;
});
beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

const ok = { reason: 'INC-42', requestedBy: 'secops' };

describe('Handler: lockdown', () => {
  it.each([
    ['no target', { ...ok }],
    ['two targets', { target: { userName: 'alice', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, ...ok }],
    ['a name outside IAM characters', { target: { userName: 'alice/../admin' }, ...ok }],
    ['an unknown field', { target: { userName: 'alice' }, ...ok, everything: true }],
    ['a wrong type', { target: { userName: ['alice'] }, ...ok }],
    ['an empty event', undefined],
  ])('rejects %s with InvalidRequestError before any AWS call', async (_label, event) => {
    await expect(lockdown(event, ctx, () => undefined)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(allCalls(m)).toEqual([]);
  });
});

describe('Handler: restore', () => {
  it.each([
    ['an access key target', { target: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, ...ok }],
    ['no requestedBy', { target: { userName: 'alice' }, reason: 'r' }],
  ])('rejects %s with InvalidRequestError before any AWS call', async (_label, event) => {
    await expect(restore(event, ctx, () => undefined)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(allCalls(m)).toEqual([]);
  });
});
