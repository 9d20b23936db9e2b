import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AccountAccess } from '../accounts/access';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError, NotFoundError } from '../errors';
import { logger } from '../logger';
import { recordRun } from '../metrics';
import { followUpNotification, type NotifyConfig, publishOrNote } from '../notify';
import { queryPartition } from '../util/paging';
import { parseOrReject } from '../util/zod';
import { classify, outcomeOf } from './classify';
import { rateLimiter, realSleep, type Sleep } from './limiter';
import { type Lookup, lookupEvents } from './lookup';
import {
  FOLLOW_UP_KEEP_SECONDS,
  type FollowUpReport,
  type FollowUpResultItem,
  type FollowUpTarget,
  followUpPk,
  type KeyUsedAfter,
  type LookupFailure,
  SELF_ACCOUNT,
  type TrailEvent,
} from './types';

/** IAM: the second signal, each deactivated key's last use. */
export const KEY_LAST_USED_PERMISSIONS = ['iam:GetAccessKeyLastUsed'] as const;
/** DynamoDB on the run's `followup#<runId>` partition: its targets read, the result recorded. */
export const FOLLOW_UP_STATE_PERMISSIONS = ['dynamodb:Query', 'dynamodb:PutItem'] as const;

/** LookupEvents: 2 requests per second per account and region (CloudTrail's documented limit). */
export const LOOKUPS_PER_SECOND = 2;

/** The follow-up's input, as its schedule delivers it. */
const inputSchema = z.strictObject({
  runId: z.string().regex(/^[A-Za-z0-9_.:=+@-]{1,200}$/, 'must be a run id'),
});

export interface FollowUpDeps {
  readonly config: Pick<Config, 'stateTable'> & NotifyConfig;
  readonly clients: Pick<Clients, 'ddb' | 'sns' | 'cloudtrail'>;
  readonly access: Pick<AccountAccess, 'open' | 'selfAccountId' | 'memberRoleArn' | 'credentials'>;
  readonly now: Date;
  readonly sleep?: Sleep;
  /** The limiter shared by every lookup of the invocation (default: {@link LOOKUPS_PER_SECOND}). */
  readonly limit?: (key: string) => Promise<void>;
}

/** The run's follow-up targets (one per account), read strongly consistent. */
async function targetsOf(deps: FollowUpDeps, runId: string): Promise<FollowUpTarget[]> {
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  const out: FollowUpTarget[] = [];
  for await (const item of queryPartition(store, followUpPk(runId), false, true)) {
    if (item.kind === 'follow-up-target') out.push(item as unknown as FollowUpTarget);
  }
  return out;
}

/** The lookups of one account: each user name and session name by `Username`, each key by `AccessKeyId`. */
const lookupsOf = (t: FollowUpTarget, end: Date): Lookup[] => {
  const startTime = new Date(t.revokedAt);
  return [
    ...t.usernames.map((value) => ({ attribute: 'Username' as const, value, startTime, endTime: end })),
    ...t.accessKeyIds.map((value) => ({ attribute: 'AccessKeyId' as const, value, startTime, endTime: end })),
  ];
};

interface AccountFindings {
  readonly events: TrailEvent[];
  readonly keysUsedAfter: KeyUsedAfter[];
  readonly failures: LookupFailure[];
  lookups: number;
}

/**
 * One account's follow-up: every lookup in every region (the regions in parallel, each paced), and each key's
 * last use (IAM, through the member role in another account). A failure is recorded, never dropped.
 * CloudTrail: `cloudtrail:LookupEvents`; IAM: `iam:GetAccessKeyLastUsed`; STS: `sts:AssumeRole` (member role).
 */
async function followUpAccount(
  deps: FollowUpDeps,
  t: FollowUpTarget,
  limit: (key: string) => Promise<void>,
): Promise<AccountFindings> {
  const found: AccountFindings = { events: [], keysUsedAfter: [], failures: [], lookups: 0 };
  const own = await deps.access.selfAccountId();
  const sessionRun = `follow-up:${t.runId}`;
  let credentials: Awaited<ReturnType<FollowUpDeps['access']['credentials']>> | undefined;
  try {
    if (t.accountId !== own) {
      credentials = await deps.access.credentials(await deps.access.memberRoleArn(t.accountId), sessionRun);
    }
  } catch (err) {
    found.failures.push({ accountId: t.accountId, lookup: 'member role', error: describeError(err) });
    return found;
  }
  const lookups = lookupsOf(t, deps.now);
  await Promise.all(
    t.regions.map(async (region) => {
      const cloudtrail = deps.clients.cloudtrail(region, credentials);
      const lookupDeps = {
        cloudtrail,
        limit: () => limit(`${t.accountId}|${region}`),
        sleep: deps.sleep ?? realSleep,
        accountId: t.accountId,
        region,
      };
      for (const lookup of lookups) {
        found.lookups++;
        try {
          found.events.push(...(await lookupEvents(lookupDeps, lookup)));
        } catch (err) {
          const what = `${lookup.attribute}=${lookup.value}`;
          found.failures.push({ accountId: t.accountId, region, lookup: what, error: describeError(err) });
        }
      }
    }),
  );
  found.keysUsedAfter.push(...(await keysUsedAfter(deps, t, sessionRun, found.failures)));
  return found;
}

/** The keys whose last use (GetAccessKeyLastUsed) is later than the deny: the second signal. */
async function keysUsedAfter(
  deps: FollowUpDeps,
  t: FollowUpTarget,
  sessionRun: string,
  failures: LookupFailure[],
): Promise<KeyUsedAfter[]> {
  if (!t.accessKeyIds.length) return [];
  const out: KeyUsedAfter[] = [];
  try {
    const { clients } = await deps.access.open(t.accountId, sessionRun);
    for (const accessKeyId of t.accessKeyIds) {
      try {
        const r = await clients.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
        const used = r.AccessKeyLastUsed?.LastUsedDate;
        if (used && used.getTime() > Date.parse(t.denyAt)) {
          out.push({
            accountId: t.accountId,
            accessKeyId,
            lastUsedDate: used.toISOString(),
            ...(r.AccessKeyLastUsed?.ServiceName ? { serviceName: r.AccessKeyLastUsed.ServiceName } : {}),
            ...(r.AccessKeyLastUsed?.Region ? { region: r.AccessKeyLastUsed.Region } : {}),
          });
        }
      } catch (err) {
        const lookup = `GetAccessKeyLastUsed ${accessKeyId}`;
        failures.push({ accountId: t.accountId, lookup, error: describeError(err) });
      }
    }
  } catch (err) {
    failures.push({ accountId: t.accountId, lookup: 'member role', error: describeError(err) });
  }
  return out;
}

/**
 * The CloudTrail follow-up of a revocation run, invoked by its one-time schedule with `{ "runId" }`: reads the
 * run's targets (`followup#<runId>`), looks up each account's CloudTrail (us-east-1 and the session regions) by
 * `Username` and by `AccessKeyId` from the revocation on, within LookupEvents' 2 requests per second per account
 * and region, and each key's last use. A successful call after the deny is a high-severity "activity after
 * revocation" notification listing the events; denied calls only, an informational one; nothing, a quiet
 * `no-activity` record. The outcome is recorded with the run (`result#<time>`), whatever it is.
 * @throws InvalidRequestError for a malformed input; NotFoundError when the run has no follow-up targets.
 * @example
 * await followUp({ runId: 'standard:msg_2Kq' }, { config, clients, access, now: new Date() });
 */
export async function followUp(event: unknown, deps: FollowUpDeps): Promise<FollowUpReport> {
  const { runId } = parseOrReject(inputSchema, event, 'follow-up input', '(input)');
  logger.appendKeys({ runId, trigger: 'follow-up' });
  const own = await deps.access.selfAccountId();
  const targets = (await targetsOf(deps, runId)).map((t) =>
    t.accountId === SELF_ACCOUNT ? { ...t, accountId: own } : t,
  );
  if (!targets.length) throw new NotFoundError(`run ${runId} has no follow-up targets`);
  const limit = deps.limit ?? rateLimiter(LOOKUPS_PER_SECOND, deps.sleep ?? realSleep);
  const perAccount = await Promise.all(targets.map((t) => followUpAccount(deps, t, limit)));
  const activity: TrailEvent[] = [];
  const denied: TrailEvent[] = [];
  const beforeDeny: TrailEvent[] = [];
  targets.forEach((t, i) => {
    const c = classify(t, perAccount[i]?.events ?? []);
    activity.push(...c.activity);
    denied.push(...c.denied);
    beforeDeny.push(...c.beforeDeny);
  });
  const keys = perAccount.flatMap((f) => f.keysUsedAfter);
  const failures = perAccount.flatMap((f) => f.failures);
  const report: FollowUpReport = {
    kind: 'follow-up',
    runId,
    trigger: targets[0]?.trigger ?? 'departure',
    at: deps.now.toISOString(),
    ...outcomeOf({ activity, denied, keysUsedAfter: keys, failures }),
    accounts: targets.map((t, i) => ({
      accountId: t.accountId,
      principals: t.principals,
      revokedAt: t.revokedAt,
      denyAt: t.denyAt,
      lookups: perAccount[i]?.lookups ?? 0,
    })),
    activity,
    denied,
    beforeDeny,
    keysUsedAfter: keys,
    failures,
    notes: [],
  };
  logger.info('follow-up', { outcome: report.outcome, activity: activity.length, denied: denied.length });
  if (report.outcome !== 'no-activity') {
    await publishOrNote(deps.clients, deps.config, followUpNotification(report), report.notes as string[]);
  }
  await recordResult(deps, report);
  recordRun('follow-up', report.outcome);
  return report;
}

/** Records the follow-up's outcome with the run. DynamoDB: `dynamodb:PutItem`. */
async function recordResult(deps: FollowUpDeps, report: FollowUpReport): Promise<void> {
  const item: FollowUpResultItem = {
    pk: followUpPk(report.runId),
    sk: `result#${report.at}`,
    kind: 'follow-up-result',
    runId: report.runId,
    at: report.at,
    outcome: report.outcome,
    severity: report.severity,
    report,
    expiresAt: Math.floor(deps.now.getTime() / 1000) + FOLLOW_UP_KEEP_SECONDS,
  };
  await deps.clients.ddb.send(new PutCommand({ TableName: deps.config.stateTable, Item: item }));
}
