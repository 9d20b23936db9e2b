import { GetUserCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Handler } from 'aws-lambda';
import { InvalidRequestError } from '../../../src/errors';
import { allCalls, answerDefaults, answerUser, mockAws, noSuchEntity } from '../../support/iam-mock';

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

describe('Routes: POST /ops/lockdown and POST /ops/restore (HTTP API, AWS_IAM)', () => {
  const OPERATOR = 'arn:aws:iam::123456789012:user/secops-oncall';
  const httpEvent = (path: string, body: unknown, authorizer: unknown = { iam: { userArn: OPERATOR } }) => ({
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path }, authorizer },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  });

  it('records the verified caller ARN beside requestedBy, in the report, the record and the notification', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });

    const response = (await lockdown(
      httpEvent('/ops/lockdown', { target: { userName: 'alice' }, ...ok }),
      ctx,
      () => undefined,
    )) as { statusCode: number; body: string };

    expect(response.statusCode).toBe(200);
    const report = JSON.parse(response.body);
    expect(report).toMatchObject({
      outcome: 'revoked',
      requestedBy: 'secops',
      caller: { verified: true, via: 'http-api', arn: OPERATOR },
    });
    const record = m.ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item)
      .find((i) => i?.kind === 'revocation');
    expect(record?.caller).toEqual({ verified: true, via: 'http-api', arn: OPERATOR });
    const published = JSON.parse(m.sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(JSON.parse(published.sqs).caller.arn).toBe(OPERATOR);
  });

  it('records a direct invoke as an unverified caller', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    const report = await lockdown({ target: { userName: 'alice' }, ...ok }, ctx, () => undefined);
    expect(report.caller).toEqual({ verified: false, via: 'direct-invoke' });
  });

  it.each([
    ['no verified IAM caller', httpEvent('/ops/lockdown', { target: { userName: 'alice' }, ...ok }, {}), 403],
    ['a body that is not JSON', httpEvent('/ops/lockdown', 'not json'), 400],
    ['an invalid request', httpEvent('/ops/lockdown', { target: {}, ...ok }), 400],
  ])('answers %s with its status and no AWS call', async (_label, event, status) => {
    const response = (await lockdown(event, ctx, () => undefined)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).errorType).toBeDefined();
    expect(allCalls(m)).toEqual([]);
  });

  it('answers a restore with nothing to undo 409 and an unknown user 404', async () => {
    answerUser(m, { userName: 'alice' });
    const nothing = (await restore(
      httpEvent('/ops/restore', { target: { userName: 'alice' }, ...ok }),
      ctx,
      () => undefined,
    )) as { statusCode: number };
    expect(nothing.statusCode).toBe(409);
    m.iam.on(GetUserCommand, { UserName: 'ghost' }).rejects(noSuchEntity());
    const unknown = (await restore(
      httpEvent('/ops/restore', { target: { userName: 'ghost' }, ...ok }),
      ctx,
      () => undefined,
    )) as { statusCode: number };
    expect(unknown.statusCode).toBe(404);
  });
});
