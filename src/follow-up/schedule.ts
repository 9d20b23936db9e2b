import { createHash } from 'node:crypto';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { awsErrorCode, ConfigError, describeError } from '../errors';
import { logger } from '../logger';
import { changedSomething, type FollowedReport, followUpRegions, lookupsOf } from './targets';
import {
  FOLLOW_UP_KEEP_SECONDS,
  type FollowUpSchedule,
  type FollowUpTarget,
  followUpPk,
  SELF_ACCOUNT,
} from './types';

/**
 * What a function that schedules follow-ups calls: one-time schedules in `SCHEDULE_GROUP` named
 * `follow-up-*` (`scheduler:CreateSchedule`), passing `SCHEDULER_ROLE_ARN` to them (`iam:PassRole`).
 */
export const FOLLOW_UP_SCHEDULE_PERMISSIONS = ['scheduler:CreateSchedule', 'iam:PassRole'] as const;
/** The run's follow-up targets, written before the schedules (`followup#<runId>`). */
export const FOLLOW_UP_TARGET_PERMISSIONS = ['dynamodb:PutItem'] as const;

/** The names of follow-up schedules start with this (the scheduling functions may create these only). */
export const FOLLOW_UP_SCHEDULE_PREFIX = 'follow-up-';

export interface FollowUpScheduleDeps {
  readonly config: Pick<
    Config,
    | 'followUpMinutes'
    | 'followUpFunctionArn'
    | 'schedulerRoleArn'
    | 'scheduleGroup'
    | 'sessionRegions'
    | 'stateTable'
  >;
  /** Without a Scheduler client (a caller that never schedules), a configured follow-up is noted as not scheduled. */
  readonly clients: Pick<Clients, 'ddb'> & Partial<Pick<Clients, 'scheduler'>>;
}

/** True when follow-ups are configured: minutes, the follow-up function and the scheduler role. */
export const followUpsConfigured = (config: FollowUpScheduleDeps['config']): boolean =>
  config.followUpMinutes.length > 0 && !!config.followUpFunctionArn && !!config.schedulerRoleArn;

/**
 * The schedule of a run's follow-up `minutes` after `from`: named after a hash of the run id (ids hold
 * characters names refuse; at most 64), so every account of one run shares it; `at()` rounded up to the second.
 */
export function followUpSchedule(
  group: string,
  runId: string,
  from: Date,
  minutes: number,
): FollowUpSchedule {
  const at = new Date(Math.ceil((from.getTime() + minutes * 60_000) / 1000) * 1000);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 40);
  return {
    name: `${FOLLOW_UP_SCHEDULE_PREFIX}${hash}-${minutes}`,
    group,
    expression: `at(${at.toISOString().slice(0, 19)})`,
    minutes,
  };
}

/**
 * Creates one schedule invoking the follow-up function with `{"runId"}`; one already made for the run (a retried
 * run, another account of the same departure) is kept. Scheduler: `scheduler:CreateSchedule`, `iam:PassRole`.
 */
async function createFollowUpSchedule(
  deps: FollowUpScheduleDeps,
  runId: string,
  s: FollowUpSchedule,
): Promise<'done' | 'already'> {
  const scheduler = deps.clients.scheduler;
  if (!scheduler) throw new ConfigError('no EventBridge Scheduler client was given');
  try {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: s.name,
        GroupName: s.group,
        ScheduleExpression: s.expression,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Description: `offboarding follow-up of run ${runId}`.slice(0, 512),
        Target: {
          Arn: deps.config.followUpFunctionArn,
          RoleArn: deps.config.schedulerRoleArn,
          Input: JSON.stringify({ runId }),
        },
      }),
    );
    return 'done';
  } catch (err) {
    if (awsErrorCode(err) === 'ConflictException') return 'already';
    throw err;
  }
}

/**
 * After a revocation run that changed something (not a dry run): records what each account's follow-up looks
 * up (`followup#<runId>`, `target#<account>`), then creates one one-time schedule per `FOLLOW_UP_MINUTES` after
 * the run. Never throws: a failure is returned as a note for the run's report (the revocation stands; the
 * follow-up is the part missing). Nothing when follow-ups are not configured or nothing changed.
 * DynamoDB: `dynamodb:PutItem`; Scheduler: as {@link createFollowUpSchedule}.
 * @example
 * report.notes.push(...(await scheduleFollowUps({ config, clients }, report, ownAccountId)));
 */
export async function scheduleFollowUps(
  deps: FollowUpScheduleDeps,
  report: FollowedReport,
  home = SELF_ACCOUNT,
): Promise<string[]> {
  if (!followUpsConfigured(deps.config) || !changedSomething(report)) return [];
  const from = new Date(report.finishedAt);
  const schedules = deps.config.followUpMinutes.map((m) =>
    followUpSchedule(deps.config.scheduleGroup, report.runId, from, m),
  );
  try {
    for (const lookup of lookupsOf(report, home)) {
      const target: FollowUpTarget = {
        kind: 'follow-up-target',
        pk: followUpPk(report.runId),
        sk: `target#${lookup.accountId}`,
        runId: report.runId,
        trigger: report.trigger,
        ...lookup,
        revokedAt: report.at,
        denyAt: report.finishedAt,
        regions: followUpRegions(deps.config.sessionRegions),
        schedules,
        expiresAt: Math.floor(from.getTime() / 1000) + FOLLOW_UP_KEEP_SECONDS,
      };
      await deps.clients.ddb.send(new PutCommand({ TableName: deps.config.stateTable, Item: target }));
    }
    for (const s of schedules) await createFollowUpSchedule(deps, report.runId, s);
  } catch (err) {
    logger.error('follow-up not scheduled', { runId: report.runId, error: describeError(err) });
    return [`CloudTrail follow-up NOT scheduled: ${describeError(err)}`];
  }
  const when = schedules.map((s) => `${s.expression} UTC (+${s.minutes} min)`).join(', ');
  return [`CloudTrail follow-up scheduled: ${when}`];
}
