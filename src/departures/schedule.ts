import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { awsErrorCode, ConfigError } from '../errors';
import { type Notification, notification } from '../notify';
import { describeTarget } from '../notify/text';
import { queryPartition } from '../util/paging';
import type { CancellationMessage, DepartureMessage, Person } from './message';

/**
 * Departures scheduled ahead (EventBridge Scheduler one-time schedules) and their cancellation.
 *
 * A departure effective more than `SCHEDULE_MIN_LEAD_MINUTES` ahead is recorded in the state table
 * (`pk = scheduled#departures`, `sk = <departure id>`) and given a one-time schedule in `SCHEDULE_GROUP` that
 * sends the departure, marked due (`scheduledFor`), to the departure queue at its effective time. The record
 * is the single source of truth between a cancellation and the schedule firing: each moves it out of
 * `scheduled` with a conditional write, so exactly one wins. A due message whose record is `cancelled`
 * revokes nothing.
 */
export const SCHEDULED_DEPARTURES_PK = 'scheduled#departures';

/**
 * EventBridge Scheduler and the queue's ARN (the schedule's target): create, read back (a redelivery finds
 * its schedule made) and delete one-time schedules in `SCHEDULE_GROUP`; pass `SCHEDULER_ROLE_ARN` to them.
 */
export const SCHEDULE_PERMISSIONS = [
  'scheduler:CreateSchedule',
  'scheduler:GetSchedule',
  'scheduler:DeleteSchedule',
  'iam:PassRole',
  'sqs:GetQueueAttributes',
] as const;

/** DynamoDB actions on the `scheduled#departures` partition: record, claim, cancel, and list a person's. */
export const SCHEDULED_STATE_PERMISSIONS = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
] as const;

/** The time zone of the schedules' `at()` expressions: times are UTC instants. */
export const SCHEDULE_TIMEZONE = 'UTC';

/** How long a record is kept after its effective time (the table's TTL then removes it). */
export const SCHEDULED_RECORD_KEEP_SECONDS = 30 * 24 * 3600;

export type ScheduledState = 'scheduled' | 'cancelled' | 'fired';

/** The schedule of one departure, as created (or, in a dry run, as it would be). */
export interface ScheduleRef {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly timezone: string;
}

/** One scheduled departure's record. */
export interface ScheduledDepartureItem {
  readonly pk: typeof SCHEDULED_DEPARTURES_PK;
  /** The departure id. */
  readonly sk: string;
  readonly kind: 'scheduled-departure';
  readonly state: ScheduledState;
  /** The departure as queued (without `scheduledFor`). */
  readonly message: DepartureMessage;
  /** The time the schedule fires (ISO 8601, whole seconds). */
  readonly effectiveAt: string;
  readonly schedule: ScheduleRef;
  readonly scheduledAt: string;
  readonly cancelledAt?: string;
  /** The id of the cancellation that cancelled it. */
  readonly cancelledBy?: string;
  readonly firedAt?: string;
  /** TTL, epoch seconds: {@link SCHEDULED_RECORD_KEEP_SECONDS} after the effective time. */
  readonly expiresAt: number;
}

export interface ScheduleDeps {
  readonly config: Config;
  readonly clients: Pick<Clients, 'scheduler' | 'sqs' | 'ddb'>;
}

/**
 * When to schedule a departure, or undefined to revoke it now: a due message (`scheduledFor`) is never
 * scheduled again; without an effective time, or one not more than `SCHEDULE_MIN_LEAD_MINUTES` ahead, now.
 * The time is rounded up to the whole second (`at()` has no fraction): never early.
 */
export function scheduleTime(message: DepartureMessage, config: Config, now: Date): Date | undefined {
  if (message.scheduledFor !== undefined || message.effectiveAt === undefined) return undefined;
  const at = Math.ceil(Date.parse(message.effectiveAt) / 1000) * 1000;
  if (Number.isNaN(at) || at - now.getTime() <= config.scheduleMinLeadMinutes * 60_000) return undefined;
  return new Date(at);
}

/** Why scheduling cannot be done in this deployment (`SCHEDULER_ROLE_ARN` or the queue unset), or undefined. */
export function schedulingUnavailable(config: Config): string | undefined {
  if (!config.schedulerRoleArn) return 'SCHEDULER_ROLE_ARN is not set';
  if (!config.departureQueueUrl) return 'DEPARTURE_QUEUE_URL is not set';
  return undefined;
}

/** The schedule's name: a hash of the departure id (ids hold characters names refuse; at most 64). */
export function scheduleName(departureId: string): string {
  return `departure-${createHash('sha256').update(departureId).digest('hex').slice(0, 40)}`;
}

/** The schedule of a departure due at `at`. */
export function scheduleRef(config: Config, departureId: string, at: Date): ScheduleRef {
  return {
    name: scheduleName(departureId),
    group: config.scheduleGroup,
    expression: `at(${at.toISOString().slice(0, 19)})`,
    timezone: SCHEDULE_TIMEZONE,
  };
}

/** The message the schedule delivers: the departure, marked due at its time. */
export const dueMessage = (message: DepartureMessage, at: Date): DepartureMessage => ({
  ...message,
  scheduledFor: at.toISOString(),
});

const queueArns = new Map<string, string>();

/**
 * The departure queue's ARN (the schedule's target), read once per cold start.
 * SQS: `sqs:GetQueueAttributes`.
 */
async function departureQueueArn(deps: ScheduleDeps): Promise<string> {
  const url = deps.config.departureQueueUrl;
  if (!url) throw new ConfigError('Environment variable DEPARTURE_QUEUE_URL is required to schedule');
  const known = queueArns.get(url);
  if (known) return known;
  const r = await deps.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = r.Attributes?.QueueArn;
  if (!arn) throw new ConfigError(`the departure queue ${url} has no QueueArn`);
  queueArns.set(url, arn);
  return arn;
}

/** The CreateSchedule request of a departure due at `at`. */
export async function createScheduleInput(
  deps: ScheduleDeps,
  message: DepartureMessage,
  at: Date,
): Promise<CreateScheduleCommandInput> {
  const ref = scheduleRef(deps.config, message.id, at);
  if (!deps.config.schedulerRoleArn) throw new ConfigError('SCHEDULER_ROLE_ARN is required to schedule');
  return {
    Name: ref.name,
    GroupName: ref.group,
    ScheduleExpression: ref.expression,
    ScheduleExpressionTimezone: ref.timezone,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Description: `offboarding departure ${message.id}`.slice(0, 512),
    Target: {
      Arn: await departureQueueArn(deps),
      RoleArn: deps.config.schedulerRoleArn,
      Input: JSON.stringify(dueMessage(message, at)),
    },
  };
}

/**
 * Creates the schedule; one left by an earlier attempt of the same departure is kept when it is the same
 * (same time, same input), else replaced.
 * Scheduler: `scheduler:CreateSchedule`, `scheduler:GetSchedule`, `scheduler:DeleteSchedule`, `iam:PassRole`.
 */
async function createSchedule(
  deps: ScheduleDeps,
  input: CreateScheduleCommandInput,
): Promise<'done' | 'already'> {
  try {
    await deps.clients.scheduler.send(new CreateScheduleCommand(input));
    return 'done';
  } catch (err) {
    if (awsErrorCode(err) !== 'ConflictException') throw err;
  }
  const key = { Name: input.Name, GroupName: input.GroupName };
  const existing = await deps.clients.scheduler.send(new GetScheduleCommand(key));
  const same =
    existing.ScheduleExpression === input.ScheduleExpression &&
    existing.Target?.Input === input.Target?.Input &&
    existing.Target?.Arn === input.Target?.Arn;
  if (same) return 'already';
  await deps.clients.scheduler.send(new DeleteScheduleCommand(key));
  await deps.clients.scheduler.send(new CreateScheduleCommand(input));
  return 'done';
}

/** What scheduling a departure came to. */
export interface ScheduledResult {
  /** `scheduled`; `planned` in a dry run; or the record's state when it had already left `scheduled`. */
  readonly outcome: 'scheduled' | 'planned' | 'cancelled' | 'fired';
  readonly effectiveAt: string;
  readonly schedule: ScheduleRef;
  readonly notes: readonly string[];
}

const isConditionFailed = (err: unknown) => awsErrorCode(err) === 'ConditionalCheckFailedException';

/**
 * Records a departure effective at `at` and creates its one-time schedule (record first: the schedule never
 * fires without a record to re-read). A record already cancelled or fired is left as it is and nothing is
 * scheduled. Under `DRY_RUN`, plans it: nothing is written.
 * DynamoDB: `dynamodb:PutItem` (and `GetItem` when the record has left `scheduled`); Scheduler: as
 * {@link createSchedule}.
 * @example
 * const at = scheduleTime(message, config, now);
 * if (at) await scheduleDeparture({ config, clients }, message, at, now);
 */
export async function scheduleDeparture(
  deps: ScheduleDeps,
  message: DepartureMessage,
  at: Date,
  now: Date,
): Promise<ScheduledResult> {
  const schedule = scheduleRef(deps.config, message.id, at);
  const effectiveAt = at.toISOString();
  if (deps.config.dryRun) {
    return { outcome: 'planned', effectiveAt, schedule, notes: ['dry run: the schedule was not created'] };
  }
  const item: ScheduledDepartureItem = {
    pk: SCHEDULED_DEPARTURES_PK,
    sk: message.id,
    kind: 'scheduled-departure',
    state: 'scheduled',
    message,
    effectiveAt,
    schedule,
    scheduledAt: now.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + SCHEDULED_RECORD_KEEP_SECONDS,
  };
  try {
    await deps.clients.ddb.send(
      new PutCommand({
        TableName: deps.config.stateTable,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR #state = :scheduled',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':scheduled': 'scheduled' },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const state = (await readScheduled(deps, message.id))?.state ?? 'fired';
    const note = `departure already ${state}: not scheduled again`;
    return { outcome: state === 'cancelled' ? 'cancelled' : 'fired', effectiveAt, schedule, notes: [note] };
  }
  const made = await createSchedule(deps, await createScheduleInput(deps, message, at));
  return {
    outcome: 'scheduled',
    effectiveAt,
    schedule,
    notes: made === 'already' ? ['the schedule was already in place (a redelivery)'] : [],
  };
}

/** A departure's record, read strongly consistent (a cancellation written just before is seen). */
export async function readScheduled(
  deps: ScheduleDeps,
  departureId: string,
): Promise<ScheduledDepartureItem | undefined> {
  const r = await deps.clients.ddb.send(
    new GetCommand({
      TableName: deps.config.stateTable,
      Key: { pk: SCHEDULED_DEPARTURES_PK, sk: departureId },
      ConsistentRead: true,
    }),
  );
  return r.Item as ScheduledDepartureItem | undefined;
}

/**
 * Before a due departure is revoked: re-reads its record and claims it (`scheduled` -> `fired`, conditional),
 * so a cancellation written first wins and one written after finds it fired. `due` to revoke (also a record
 * already fired: a retried attempt), `cancelled` to revoke nothing, `missing` when there is no record (it is
 * revoked: only a cancellation stops a departure). Under `DRY_RUN`, reads only.
 * DynamoDB: `dynamodb:GetItem`, `dynamodb:UpdateItem`.
 */
export async function claimDue(
  deps: ScheduleDeps,
  message: DepartureMessage,
  now: Date,
): Promise<'due' | 'cancelled' | 'missing'> {
  const record = await readScheduled(deps, message.id);
  if (!record) return 'missing';
  if (record.state === 'cancelled') return 'cancelled';
  if (deps.config.dryRun || record.state === 'fired') return 'due';
  if (await leaveScheduled(deps, message.id, { state: 'fired' }, now)) return 'due';
  // Moved since the read: cancelled in between (the cancellation wins), or fired by a concurrent copy.
  return (await readScheduled(deps, message.id))?.state === 'cancelled' ? 'cancelled' : 'due';
}

/**
 * Moves a departure's record out of `scheduled` (once: a conditional update) to `fired` or `cancelled`, with
 * `firedAt` or `cancelledAt` = `now` (and `cancelledBy`, the cancellation's id). False when it had already left
 * `scheduled` (fired or cancelled by someone else). DynamoDB: `dynamodb:UpdateItem`.
 */
async function leaveScheduled(
  deps: ScheduleDeps,
  departureId: string,
  to: { readonly state: 'fired' } | { readonly state: 'cancelled'; readonly by: string },
  now: Date,
): Promise<boolean> {
  const by = to.state === 'cancelled' ? to.by : undefined;
  try {
    await deps.clients.ddb.send(
      new UpdateCommand({
        TableName: deps.config.stateTable,
        Key: { pk: SCHEDULED_DEPARTURES_PK, sk: departureId },
        UpdateExpression: `SET #state = :${to.state}, ${to.state}At = :now${by ? ', cancelledBy = :by' : ''}`,
        ConditionExpression: '#state = :scheduled',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          [`:${to.state}`]: to.state,
          ':scheduled': 'scheduled',
          ':now': now.toISOString(),
          ...(by ? { ':by': by } : {}),
        },
      }),
    );
    return true;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    return false;
  }
}

const sameEmail = (a?: string, b?: string) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** True when two people share an identifier: the employee id exactly, or the email without case. */
export function samePerson(a: Person, b: Person): boolean {
  return (!!a.employeeId && a.employeeId === b.employeeId) || sameEmail(a.email, b.email);
}

/** The person's departures still `scheduled` or already `fired`, read strongly consistent. */
async function scheduledOf(deps: ScheduleDeps, person: Person): Promise<ScheduledDepartureItem[]> {
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  const out: ScheduledDepartureItem[] = [];
  for await (const raw of queryPartition(store, SCHEDULED_DEPARTURES_PK, false, true)) {
    const item = raw as unknown as ScheduledDepartureItem;
    if (item.kind !== 'scheduled-departure' || item.state === 'cancelled' || !item.message?.person) continue;
    if (samePerson(item.message.person, person)) out.push(item);
  }
  return out;
}

/** What a cancellation did (or, in a dry run, would do). */
export interface CancellationResult {
  /** Departures cancelled: their schedules deleted, their records `cancelled`. */
  readonly cancelled: readonly ScheduledDepartureItem[];
  /** Departures whose schedule had already fired: revoked, the cancellation came too late. */
  readonly tooLate: readonly ScheduledDepartureItem[];
}

/**
 * Marks one departure cancelled (`scheduled` -> `cancelled`, conditional), then deletes its schedule (one
 * already gone is fine). False when the schedule fired first (true when another cancellation was first).
 * DynamoDB: `dynamodb:UpdateItem`, `dynamodb:GetItem`; Scheduler: `scheduler:DeleteSchedule`.
 */
async function cancelOne(
  deps: ScheduleDeps,
  item: ScheduledDepartureItem,
  cancellationId: string,
  now: Date,
): Promise<boolean> {
  if (!(await leaveScheduled(deps, item.sk, { state: 'cancelled', by: cancellationId }, now))) {
    return (await readScheduled(deps, item.sk))?.state === 'cancelled';
  }
  await deps.clients.scheduler
    .send(new DeleteScheduleCommand({ Name: item.schedule.name, GroupName: item.schedule.group }))
    .catch((err: unknown) => {
      if (awsErrorCode(err) !== 'ResourceNotFoundException') throw err;
    });
  return true;
}

/**
 * Cancels every departure of the person still scheduled (record `cancelled` first, then the schedule
 * deleted: a schedule firing in between finds the record cancelled and revokes nothing); departures already
 * fired are reported too late. Under `DRY_RUN`, reads only.
 * DynamoDB: `dynamodb:Query`, `dynamodb:UpdateItem`; Scheduler: `scheduler:DeleteSchedule`.
 * @example
 * const { cancelled, tooLate } = await cancelScheduledDepartures({ config, clients }, message.cancelFor, message.id, now);
 */
export async function cancelScheduledDepartures(
  deps: ScheduleDeps,
  person: Person,
  cancellationId: string,
  now: Date,
): Promise<CancellationResult> {
  const cancelled: ScheduledDepartureItem[] = [];
  const tooLate: ScheduledDepartureItem[] = [];
  for (const item of await scheduledOf(deps, person)) {
    const pending = item.state === 'scheduled';
    const done = pending && (deps.config.dryRun || (await cancelOne(deps, item, cancellationId, now)));
    (done ? cancelled : tooLate).push(item);
  }
  return { cancelled, tooLate };
}

/** The report of a departure scheduled ahead (the notification's JSON part). */
export interface ScheduledReport {
  readonly kind: 'scheduled-departure';
  /** The departure id: the run id of the revocation the schedule will start. */
  readonly runId: string;
  readonly trigger: 'departure';
  readonly outcome: ScheduledResult['outcome'];
  readonly dryRun: boolean;
  readonly target: Person;
  readonly provider: string;
  readonly reason: string;
  readonly requestedBy: string;
  /** When the person's access ends (the schedule fires). */
  readonly effectiveAt: string;
  readonly schedule: ScheduleRef;
  readonly at: string;
  readonly notes: readonly string[];
}

/** The report of scheduling a departure. */
export function scheduledReport(
  message: DepartureMessage,
  result: ScheduledResult,
  dryRun: boolean,
  now: Date,
): ScheduledReport {
  return {
    kind: 'scheduled-departure',
    runId: message.id,
    trigger: 'departure',
    outcome: result.outcome,
    dryRun,
    target: message.person,
    provider: message.provider,
    reason: message.reason ?? 'departure',
    requestedBy: `hr-webhook/${message.provider}`,
    effectiveAt: result.effectiveAt,
    schedule: result.schedule,
    at: now.toISOString(),
    notes: result.notes,
  };
}

const SCHEDULED_TEXT: Record<ScheduledResult['outcome'], string> = {
  scheduled:
    'Nothing is revoked yet: the revocation starts at the effective time, unless a cancellation comes first.',
  planned: 'Dry run: nothing is revoked and no schedule was created.',
  cancelled: 'Nothing scheduled: this departure was cancelled before.',
  fired: 'Nothing scheduled again: this departure was scheduled before and has fired.',
};

const who = (p: Person) => p.email ?? p.employeeId ?? '?';

/** The notification of a departure scheduled ahead (`scheduled`, or `planned` in a dry run): no IAM change yet. */
export function scheduledNotification(report: ScheduledReport): Notification {
  const { schedule } = report;
  const headline =
    report.outcome === 'scheduled' || report.outcome === 'planned'
      ? `Departure of ${who(report.target)} scheduled for ${report.effectiveAt}${report.dryRun ? ' (dry run)' : ''}`
      : `Departure of ${who(report.target)} not scheduled again: ${report.outcome}`;
  return notification({
    kind: report.kind,
    headline,
    summary: SCHEDULED_TEXT[report.outcome],
    runId: report.runId,
    facts: [
      ['target', describeTarget(report.target)],
      ['effective at', report.effectiveAt],
      ['schedule', `${schedule.group}/${schedule.name} ${schedule.expression} ${schedule.timezone}`],
      ['requested by', report.requestedBy],
      ['reason', report.reason],
      ['at', report.at],
    ],
    sections: [{ title: 'Notes', items: report.notes }],
    nextSteps:
      report.outcome === 'scheduled'
        ? [
            'Nothing to do: the revocation runs at the effective time and reports then.',
            "If the person stays, send the HR system's cancellation (or delete the schedule above) before that time.",
          ]
        : report.outcome === 'planned'
          ? ['Dry run: the departure is kept for a replay once DRY_RUN is off (scripts/replay-dry-run.ts).']
          : [],
    keywords: [report.kind, ...(report.dryRun ? ['dry-run'] : [])],
    json: report,
    attributes: { trigger: 'departure', outcome: report.outcome, severity: 'info' },
  });
}

/** The report of a cancellation (the notification's JSON part). */
export interface CancellationReport {
  readonly kind: 'departure-cancellation';
  /** The cancellation's id. */
  readonly runId: string;
  readonly trigger: 'departure';
  /** `cancelled`; `too-late` when a departure of the person had already fired; `planned` in a dry run. */
  readonly outcome: 'cancelled' | 'too-late' | 'planned';
  readonly dryRun: boolean;
  readonly target: Person;
  readonly provider: string;
  readonly reason: string;
  readonly at: string;
  /** The departures cancelled (or, in a dry run, that would be): id, effective time, schedule. */
  readonly cancelled: readonly {
    readonly runId: string;
    readonly effectiveAt: string;
    readonly schedule: string;
  }[];
  /** The departures already revoked: restore each by its run id if the person keeps their access. */
  readonly tooLate: readonly { readonly runId: string; readonly effectiveAt: string }[];
  readonly notes: readonly string[];
}

/** The report of a cancellation that found the person's scheduled departures. */
export function cancellationReport(
  message: CancellationMessage,
  result: CancellationResult,
  dryRun: boolean,
  now: Date,
  notes: readonly string[] = [],
): CancellationReport {
  return {
    kind: 'departure-cancellation',
    runId: message.id,
    trigger: 'departure',
    outcome: dryRun ? 'planned' : result.tooLate.length ? 'too-late' : 'cancelled',
    dryRun,
    target: message.cancelFor,
    provider: message.provider,
    reason: message.reason ?? 'departure cancelled',
    at: now.toISOString(),
    cancelled: result.cancelled.map((i) => ({
      runId: i.sk,
      effectiveAt: i.effectiveAt,
      schedule: `${i.schedule.group}/${i.schedule.name}`,
    })),
    tooLate: result.tooLate.map((i) => ({ runId: i.sk, effectiveAt: i.effectiveAt })),
    notes,
  };
}

/**
 * The notification of a cancellation: `info` when every scheduled departure was cancelled; `warning` when
 * one had already been revoked (the person stays: restore that run by its id).
 */
export function cancellationNotification(report: CancellationReport): Notification {
  const person = who(report.target);
  const headline =
    report.outcome === 'planned'
      ? `Cancellation of the departure of ${person}: planned (dry run)`
      : report.outcome === 'too-late'
        ? `Cancellation of the departure of ${person}: too late, already revoked`
        : `Departure of ${person} cancelled`;
  return notification({
    kind: report.kind,
    headline,
    summary:
      report.outcome === 'too-late'
        ? 'A departure of the person had already been revoked: their access stays revoked until restored.'
        : report.outcome === 'planned'
          ? 'Dry run: nothing was cancelled. The departures below are what a real run would cancel.'
          : 'Every scheduled departure of the person was cancelled: nothing will be revoked.',
    runId: report.runId,
    facts: [
      ['target', describeTarget(report.target)],
      ['from', report.provider],
      ['reason', report.reason],
      ['at', report.at],
    ],
    sections: [
      {
        title: report.dryRun ? 'Would cancel' : 'Cancelled',
        items: report.cancelled.map((c) => `${c.runId} (effective ${c.effectiveAt}, schedule ${c.schedule})`),
      },
      {
        title: 'Too late (already revoked)',
        items: report.tooLate.map((c) => `${c.runId} (effective ${c.effectiveAt})`),
      },
      { title: 'Notes', items: report.notes },
    ],
    nextSteps: report.tooLate.map((c) => ({
      text: `If the person keeps their access, restore each of their users (the revocation report of ${c.runId} names them) with that run id`,
      restore: { target: { userName: '<user name>' }, runId: c.runId },
    })),
    keywords: [report.kind, ...(report.dryRun ? ['dry-run'] : [])],
    json: report,
    attributes: {
      trigger: 'departure',
      outcome: report.outcome,
      severity: report.outcome === 'too-late' ? 'warning' : 'info',
    },
  });
}
