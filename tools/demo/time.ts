import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
} from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Clients } from '../../src/clients';
import { scheduleName } from '../../src/departures/schedule';
import type { FollowUpReport } from '../../src/follow-up/types';
import type { Moto } from '../local/moto';
import { createUser, motoClients } from '../local/seed';
import { CloudTrailStandIn } from '../testing/cloudtrail-stand-in';
import { signatureHeaders } from '../testing/sign';
import { readUserState, type UserState } from './aws';
import { HOME_ACCOUNT } from './company';
import type { DemoContext, InvokeHandler } from './flows';
import { type LocalHttpApi, lambdaContext } from './http';
import { deliverBatch, type SqsHandler } from './queue';
import type { Proof } from './types';

/**
 * Flow 5 of the demo, time: a departure effective in 3 days is scheduled (EventBridge Scheduler, stored by moto;
 * no IAM write), then fired by a stand-in and revoked; after that revocation, its CloudTrail follow-ups are listed
 * from moto and one is run against a LookupEvents stand-in that holds one successful call by the revoked user after
 * the deny: the high-severity "activity after revocation" alert.
 *
 * Two stand-ins, said on screen: moto stores schedules but never fires them (the demo reads each schedule and
 * delivers its input to its target, as EventBridge Scheduler would at its time), and moto has no CloudTrail
 * LookupEvents (tools/testing/cloudtrail-stand-in.ts answers it from the events it is fed).
 */

/** The schedule group the demo's stack uses (`SCHEDULE_GROUP`). */
export const DEMO_SCHEDULE_GROUP = 'offboarding-demo';
/** The role the schedules would run as (`SCHEDULER_ROLE_ARN`; moto never assumes it). */
export const DEMO_SCHEDULER_ROLE = `arn:aws:iam::${HOME_ACCOUNT}:role/offboarding-demo-scheduler`;
/** The follow-up function the follow-up schedules invoke (`FOLLOW_UP_FUNCTION_ARN`). */
export const DEMO_FOLLOW_UP_FUNCTION = `arn:aws:lambda:us-east-1:${HOME_ACCOUNT}:function:offboarding-demo-followUp`;
/** The person whose departure is announced three days ahead. */
export const MAX = { userName: 'max.keller', email: 'max.keller@example.com', employeeId: 'E-2044' } as const;

/** The settings the scheduling and the follow-ups need (merged into the handlers' environment). */
export const TIME_SETTINGS = {
  SCHEDULE_GROUP: DEMO_SCHEDULE_GROUP,
  SCHEDULER_ROLE_ARN: DEMO_SCHEDULER_ROLE,
  FOLLOW_UP_FUNCTION_ARN: DEMO_FOLLOW_UP_FUNCTION,
  FOLLOW_UP_MINUTES: '15,60',
} as const;

/** Seeds, before IAM enforcement: the stack's schedule group. */
export async function seedTime(moto: Moto): Promise<void> {
  await motoClients(moto).scheduler.send(new CreateScheduleGroupCommand({ Name: DEMO_SCHEDULE_GROUP }));
}

/**
 * Max joins (with one key, tagged with his email) just before HR announces his departure: after the key sweep of
 * flow 2, whose 90-day clock would otherwise count his fresh key among the expired ones.
 */
async function hireMax(ctx: DemoContext): Promise<string> {
  const max = await createUser(ctx.clients.iam, MAX.userName, {
    tags: { email: MAX.email, 'employee-id': MAX.employeeId },
    keys: 1,
  });
  return max.keys[0]?.accessKeyId ?? '';
}

export interface ScheduleView {
  readonly name: string;
  readonly expression: string;
  readonly target: string;
  readonly input: string;
  readonly actionAfterCompletion: string;
}

export interface TimeFlow {
  readonly departureId: string;
  readonly effectiveAt: string;
  readonly accepted: number;
  readonly scheduled?: ScheduleView;
  readonly scheduledNotification?: { outcome?: string; severity?: string };
  readonly beforeFire: UserState;
  readonly afterFire: UserState;
  readonly followUps: readonly ScheduleView[];
  readonly followUp?: FollowUpReport;
  readonly alert?: { subject?: string; severity?: string; outcome?: string };
  readonly standIns: readonly string[];
  readonly proofs: readonly Proof[];
  /** How long the flow took (the demo's run time budget). */
  readonly durationMs: number;
}

const proof = (claim: string, ok: boolean, evidence: string): Proof => ({ claim, ok, evidence });

async function scheduleView(scheduler: Clients['scheduler'], name: string): Promise<ScheduleView> {
  const s = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: DEMO_SCHEDULE_GROUP }));
  return {
    name,
    expression: s.ScheduleExpression ?? '',
    target: s.Target?.Arn ?? '',
    input: s.Target?.Input ?? '',
    actionAfterCompletion: s.ActionAfterCompletion ?? '',
  };
}

/**
 * STAND-IN for EventBridge Scheduler firing a departure's schedule (moto never fires one): delivers its input to
 * its target queue, then deletes it (`ActionAfterCompletion: DELETE`).
 */
async function fireDeparture(ctx: DemoContext, s: ScheduleView): Promise<void> {
  await ctx.clients.sqs.send(
    new SendMessageCommand({ QueueUrl: ctx.company.departureQueueUrl, MessageBody: s.input }),
  );
  await ctx.clients.scheduler.send(
    new DeleteScheduleCommand({ Name: s.name, GroupName: DEMO_SCHEDULE_GROUP }),
  );
}

/** Flow 5: a departure scheduled ahead, fired, and its CloudTrail follow-up. */
export async function timeFlow(
  ctx: DemoContext,
  api: LocalHttpApi,
  handlers: { worker: SqsHandler; accountWorker: SqsHandler; followUp: InvokeHandler },
): Promise<TimeFlow> {
  const started = Date.now();
  const maxKey = await hireMax(ctx);
  const now = new Date();
  const effective = new Date(Math.ceil((now.getTime() + 3 * 24 * 3600_000) / 1000) * 1000);
  const body = JSON.stringify({
    type: 'employee.departed',
    timestamp: now.toISOString(),
    data: {
      employeeId: MAX.employeeId,
      email: MAX.email,
      effectiveAt: effective.toISOString(),
      reason: 'resigned',
    },
  });
  const res = await fetch(`${api.url}/hr/standard`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders('standard', body, ctx.company.secrets.standard, now),
    },
    body,
  });
  const departureId = ((await res.json().catch(() => ({}))) as { queued?: string[] }).queued?.[0] ?? '';
  await ctx.notifications.drain();
  await deliverBatch(
    ctx.clients.sqs,
    ctx.company.departureQueueUrl,
    ctx.region,
    handlers.worker,
    lambdaContext('revocation-worker', 60_000),
  );
  const scheduledN = (await ctx.notifications.drain()).find((n) => n.attributes.outcome === 'scheduled');
  const scheduled = await scheduleView(ctx.clients.scheduler, scheduleName(departureId)).catch(
    () => undefined,
  );
  const beforeFire = await readUserState(ctx.clients.iam, MAX.userName);

  // Three days later: the schedule fires (stand-in), the departure comes back due and is revoked.
  if (scheduled) await fireDeparture(ctx, scheduled);
  await deliverBatch(
    ctx.clients.sqs,
    ctx.company.departureQueueUrl,
    ctx.region,
    handlers.worker,
    lambdaContext('revocation-worker', 60_000),
  );
  await deliverBatch(
    ctx.clients.sqs,
    ctx.company.accountQueueUrl,
    ctx.region,
    handlers.accountWorker,
    lambdaContext('account-worker', 900_000),
  );
  const afterFire = await readUserState(ctx.clients.iam, MAX.userName);
  await ctx.notifications.drain();

  // The follow-ups the revocation scheduled, as moto holds them.
  const listed =
    (
      await ctx.clients.scheduler.send(
        new ListSchedulesCommand({ GroupName: DEMO_SCHEDULE_GROUP, NamePrefix: 'follow-up-' }),
      )
    ).Schedules ?? [];
  const all = await Promise.all(listed.map((s) => scheduleView(ctx.clients.scheduler, s.Name ?? '')));
  const followUps = all
    .filter((s) => s.input === JSON.stringify({ runId: departureId }))
    .sort((a, b) => a.expression.localeCompare(b.expression));

  // STAND-IN for LookupEvents, fed one successful call by Max with his (now inactive) key after the deny.
  const trail = new CloudTrailStandIn(HOME_ACCOUNT).install();
  let followUp: FollowUpReport | undefined;
  try {
    trail.feed(HOME_ACCOUNT, ctx.region, {
      eventId: 'demo-evt-0001',
      eventName: 'GetObject',
      eventSource: 's3.amazonaws.com',
      eventTime: new Date(),
      username: MAX.userName,
      accessKeyId: maxKey,
      sourceIPAddress: '198.51.100.77',
    });
    // STAND-IN for the follow-up schedule firing: its input handed to the follow-up function.
    const first = followUps[0];
    if (first)
      followUp = (await handlers.followUp(
        JSON.parse(first.input),
        lambdaContext('follow-up', 900_000),
      )) as FollowUpReport;
  } finally {
    trail.restore();
  }
  const alertN = (await ctx.notifications.drain()).find((n) => n.attributes.trigger === 'follow-up');
  const alert = alertN
    ? { subject: alertN.subject, severity: alertN.attributes.severity, outcome: alertN.attributes.outcome }
    : undefined;

  const isDeny = (arn: string) => arn.endsWith(':policy/AWSDenyAll');
  const denied = afterFire.attachedPolicies.some(isDeny);
  const proofs = [
    proof(
      'a departure effective in 3 days is accepted (202) and scheduled, not revoked: a one-time schedule at that time to the departure queue, notified as scheduled',
      res.status === 202 &&
        scheduled?.expression === `at(${effective.toISOString().slice(0, 19)})` &&
        scheduled.target.endsWith(`:${ctx.company.departureQueueUrl.split('/').pop()}`) &&
        scheduled.actionAfterCompletion === 'DELETE' &&
        scheduledN?.attributes.outcome === 'scheduled',
      `HTTP ${res.status}; ${scheduled ? `${scheduled.name} ${scheduled.expression} -> ${scheduled.target}` : 'no schedule'}; notification ${scheduledN?.attributes.outcome ?? 'none'}`,
    ),
    proof(
      'no IAM write before the time: his key still Active, no deny attached',
      Object.values(beforeFire.keys).every((s) => s === 'Active') &&
        !beforeFire.attachedPolicies.some(isDeny),
      `before: ${JSON.stringify(beforeFire.keys)}, policies [${beforeFire.attachedPolicies.join(', ')}]`,
    ),
    proof(
      'firing the schedule (stand-in) revokes him: AWSDenyAll attached, key Inactive',
      denied && Object.values(afterFire.keys).every((s) => s === 'Inactive'),
      `after: ${JSON.stringify(afterFire.keys)}, policies [${afterFire.attachedPolicies.join(', ')}]`,
    ),
    proof(
      'the revocation scheduled its CloudTrail follow-ups (15 and 60 min), held by moto, invoking the follow-up function with the run id',
      followUps.length === 2 && followUps.every((s) => s.target === DEMO_FOLLOW_UP_FUNCTION),
      followUps.map((s) => `${s.name} ${s.expression}`).join('; ') || 'none',
    ),
    proof(
      "a successful call by the revoked user after the deny gives a high-severity 'activity after revocation' alert naming it",
      followUp?.outcome === 'activity-after-revocation' &&
        followUp.activity.some((e) => e.eventId === 'demo-evt-0001' && e.username === MAX.userName) &&
        alert?.severity === 'high',
      `${followUp?.outcome ?? 'no follow-up'}; alert ${alert?.severity ?? 'none'}: ${alert?.subject ?? ''}`,
    ),
  ];
  return {
    departureId,
    effectiveAt: effective.toISOString(),
    accepted: res.status,
    ...(scheduled ? { scheduled } : {}),
    ...(scheduledN
      ? {
          scheduledNotification: {
            outcome: scheduledN.attributes.outcome,
            severity: scheduledN.attributes.severity,
          },
        }
      : {}),
    beforeFire,
    afterFire,
    followUps,
    ...(followUp ? { followUp } : {}),
    ...(alert ? { alert } : {}),
    standIns: [
      'EventBridge Scheduler firing: moto stores schedules but never fires them; the demo reads each schedule from moto and delivers its input to its target (the departure queue; the follow-up function) as Scheduler would at its time, and deletes the departure schedule as ActionAfterCompletion DELETE does.',
      'CloudTrail LookupEvents: moto has none (it answers 500); a stand-in answers it from one fed event, a successful s3:GetObject by max.keller with his key after the deny. Every other call of the follow-up (the state table, GetAccessKeyLastUsed, SNS) goes to moto.',
    ],
    proofs,
    durationMs: Date.now() - started,
  };
}

/** The narration of flow 5. */
export function renderTime(f: TimeFlow): string {
  const lines = [
    '',
    '== 5. Time: a departure scheduled 3 days ahead, and the CloudTrail follow-up after a revocation ==',
    ...f.standIns.map((s) => `  STAND-IN: ${s}`),
    '',
    `  HR announces Max's departure effective ${f.effectiveAt}: HTTP ${f.accepted}, departure ${f.departureId}`,
    `  scheduled (moto): ${f.scheduled ? `${f.scheduled.name} ${f.scheduled.expression} UTC -> ${f.scheduled.target}, after completion ${f.scheduled.actionAfterCompletion}` : 'NONE'}`,
    `  notification: ${f.scheduledNotification?.outcome ?? 'none'} (${f.scheduledNotification?.severity ?? '-'})`,
    `  before the time, IAM (moto): keys ${JSON.stringify(f.beforeFire.keys)}, policies [${f.beforeFire.attachedPolicies.join(', ')}]`,
    `  the schedule fires (stand-in) -> revoked: keys ${JSON.stringify(f.afterFire.keys)}, policies [${f.afterFire.attachedPolicies.join(', ')}]`,
    '',
    '  follow-up schedules of that run, listed from moto:',
    ...f.followUps.map((s) => `    ${s.name}  ${s.expression} UTC -> ${s.target}  input ${s.input}`),
    '  the first follow-up runs now (stand-in firing, not 15 minutes later), CloudTrail (stand-in) holding one call by Max after the deny:',
    `    outcome ${f.followUp?.outcome ?? 'none'}; alert ${f.alert?.severity ?? 'none'}: ${f.alert?.subject ?? ''}`,
    ...(f.followUp?.activity ?? []).map(
      (e) =>
        `    ${e.eventTime} ${e.eventSource.replace('.amazonaws.com', '')}:${e.eventName} by ${e.username ?? '?'} key ${e.accessKeyId ?? '-'} from ${e.sourceIPAddress ?? '?'}`,
    ),
    '',
    ...f.proofs.map((p) => `  [${p.ok ? 'ok' : 'FAILED'}] ${p.claim}`),
    `  (flow 5 took ${(f.durationMs / 1000).toFixed(1)} s)`,
  ];
  return lines.join('\n');
}
