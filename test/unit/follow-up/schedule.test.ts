import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../../src/clients';
import { loadConfig } from '../../../src/config';
import { ConfigError } from '../../../src/errors';
import { changedSomething, followUpSchedule, lookupsOf, scheduleFollowUps } from '../../../src/follow-up';
import { testConfig } from '../../../tools/testing/config';
import { FINISHED, HOME, MEMBER, report, userReport } from './fixtures';
import 'aws-sdk-client-mock-jest';

const scheduler = mockClient(SchedulerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const clients = makeClients({ region: 'us-east-1' });
const FN = `arn:aws:lambda:us-east-1:${HOME}:function:offboarding-prod-followUp`;
const ROLE = `arn:aws:iam::${HOME}:role/offboarding-prod-scheduler`;
const config = testConfig({
  schedulerRoleArn: ROLE,
  followUpFunctionArn: FN,
  scheduleGroup: 'offboarding-prod',
  sessionRegions: ['eu-west-1', 'us-east-1'],
});

beforeEach(() => {
  scheduler.reset();
  ddb.reset();
  scheduler.on(CreateScheduleCommand).resolves({});
  ddb.on(PutCommand).resolves({});
});

describe('Config: FOLLOW_UP_MINUTES and FOLLOW_UP_FUNCTION_ARN', () => {
  const base = { NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t', STATE_TABLE: 't', AWS_REGION: 'us-east-1' };
  it('defaults to 15 and 60 minutes, and an empty value disables follow-ups', () => {
    expect(loadConfig(base).followUpMinutes).toEqual([15, 60]);
    expect(loadConfig({ ...base, FOLLOW_UP_MINUTES: '' }).followUpMinutes).toEqual([]);
    expect(loadConfig({ ...base, FOLLOW_UP_MINUTES: ' 60, 15 ,15' }).followUpMinutes).toEqual([15, 60]);
  });
  it.each(['0', 'x', '15,,60', '1441', '1.5'])('refuses FOLLOW_UP_MINUTES=%s, naming it', (v) => {
    expect(() => loadConfig({ ...base, FOLLOW_UP_MINUTES: v })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, FOLLOW_UP_MINUTES: v })).toThrow(/FOLLOW_UP_MINUTES/);
  });
  it('refuses a FOLLOW_UP_FUNCTION_ARN that is not a Lambda function ARN', () => {
    expect(() => loadConfig({ ...base, FOLLOW_UP_FUNCTION_ARN: 'followUp' })).toThrow(
      /FOLLOW_UP_FUNCTION_ARN/,
    );
    expect(loadConfig({ ...base, FOLLOW_UP_FUNCTION_ARN: FN }).followUpFunctionArn).toBe(FN);
  });
});

describe('Function: lookupsOf', () => {
  it('groups principals by their account, with user names, the person, session names and the keys deactivated or found inactive', () => {
    const jane = userReport('jane', HOME, { AKIAJANE1: 'done', AKIAJANE2: 'already', AKIAJANE3: 'failed' });
    const remote = {
      ...userReport('jane.doe', MEMBER, { AKIAREMOTE: 'done' }),
      sessions: [
        {
          sessionId: 's-1',
          region: 'eu-west-1',
          owner: `arn:aws:sts::${MEMBER}:assumed-role/Admin/jane-laptop`,
        },
      ],
    };
    expect(lookupsOf(report([jane, remote]), HOME)).toEqual([
      {
        accountId: HOME,
        usernames: ['jane@example.com', 'jane'],
        accessKeyIds: ['AKIAJANE1', 'AKIAJANE2'],
        principals: [`arn:aws:iam::${HOME}:user/jane`],
      },
      {
        accountId: MEMBER,
        usernames: ['jane@example.com', 'jane.doe', 'jane-laptop'],
        accessKeyIds: ['AKIAREMOTE'],
        principals: [`arn:aws:iam::${MEMBER}:user/jane.doe`],
      },
    ]);
  });

  it('follows up only a run that changed something, never a dry run', () => {
    expect(changedSomething(report([userReport('jane', HOME)]))).toBe(true);
    expect(changedSomething(report([userReport('jane', HOME, {}, 'already')]))).toBe(false);
    expect(changedSomething(report([userReport('jane', HOME)], { dryRun: true }))).toBe(false);
    expect(changedSomething(report([]))).toBe(false);
  });
});

describe('Function: scheduleFollowUps', () => {
  it('records each account target, then one one-time schedule per FOLLOW_UP_MINUTES invoking the follow-up with the run id', async () => {
    const order: string[] = [];
    ddb.on(PutCommand).callsFake(async () => void order.push('put'));
    scheduler.on(CreateScheduleCommand).callsFake(async () => void order.push('schedule'));
    const r = report([userReport('jane', HOME, { AKIAJANE1: 'done' }), userReport('jd', MEMBER)]);
    const notes = await scheduleFollowUps({ config, clients }, r);
    expect(notes).toEqual([
      'CloudTrail follow-up scheduled: at(2026-02-01T10:15:04) UTC (+15 min), at(2026-02-01T11:00:04) UTC (+60 min)',
    ]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: config.stateTable,
      Item: expect.objectContaining({
        pk: 'followup#standard:msg_1',
        sk: `target#${HOME}`,
        kind: 'follow-up-target',
        revokedAt: '2026-02-01T10:00:00.000Z',
        denyAt: FINISHED,
        regions: ['us-east-1', 'eu-west-1'],
        usernames: ['jane@example.com', 'jane'],
        accessKeyIds: ['AKIAJANE1'],
      }),
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sk: `target#${MEMBER}` }),
    });
    const fifteen = followUpSchedule('offboarding-prod', r.runId, new Date(FINISHED), 15);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: fifteen.name,
      GroupName: 'offboarding-prod',
      ScheduleExpression: 'at(2026-02-01T10:15:04)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: FN, RoleArn: ROLE, Input: JSON.stringify({ runId: 'standard:msg_1' }) },
    });
    expect(fifteen.name).toMatch(/^follow-up-[0-9a-f]{40}-15$/);
    // The records are written before any schedule exists: a schedule never fires without its targets.
    expect(order).toEqual(['put', 'put', 'schedule', 'schedule']);
  });

  it('keeps a schedule another account of the same run made (ConflictException)', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const notes = await scheduleFollowUps({ config, clients }, report([userReport('jd', MEMBER)]));
    expect(notes[0]).toMatch(/^CloudTrail follow-up scheduled/);
  });

  it('notes a failure on the run instead of throwing (the revocation stands)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied: scheduler:CreateSchedule'));
    const notes = await scheduleFollowUps({ config, clients }, report([userReport('jane', HOME)]));
    expect(notes).toEqual(['CloudTrail follow-up NOT scheduled: AccessDenied: scheduler:CreateSchedule']);
  });

  it.each([
    ['FOLLOW_UP_MINUTES is empty', { followUpMinutes: [] }],
    ['FOLLOW_UP_FUNCTION_ARN is unset', { followUpFunctionArn: undefined }],
    ['SCHEDULER_ROLE_ARN is unset', { schedulerRoleArn: undefined }],
  ])('schedules nothing when %s', async (_, overrides) => {
    const notes = await scheduleFollowUps(
      { config: { ...config, ...overrides }, clients },
      report([userReport('jane', HOME)]),
    );
    expect(notes).toEqual([]);
    expect(ddb).not.toHaveReceivedAnyCommand();
    expect(scheduler).not.toHaveReceivedAnyCommand();
  });

  it('schedules nothing for a dry run or a run that changed nothing', async () => {
    await scheduleFollowUps({ config, clients }, report([userReport('jane', HOME)], { dryRun: true }));
    await scheduleFollowUps({ config, clients }, report([userReport('jane', HOME, {}, 'already')]));
    expect(scheduler).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
