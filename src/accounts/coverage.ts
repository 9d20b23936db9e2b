import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Clients } from '../clients';
import type { PrincipalReport, RunOutcome } from '../engine';
import { awsErrorCode } from '../errors';
import type { IdcRevocationReport } from '../identity-center';
import { queryPartition } from '../util/paging';

/**
 * Coverage of a run over several accounts, in the state table: which accounts the run targeted and what
 * each one reported, so the run's completion is known (and notified once) when the last account reports,
 * and an account that never could be reached is named, never silent.
 *
 * Keys: `pk = coverage#<run id>`; `sk = run` (the accounts targeted) and `sk = account#<id>` (one per account).
 */
export const COVERAGE_PARTITION = 'coverage#*';

/** DynamoDB actions of the coverage records. */
export const COVERAGE_PERMISSIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

/** An account's outcome: the engine's, or `unreachable` (its role could not be assumed). */
export type AccountOutcome = RunOutcome | 'unreachable';

/** What one account reported for the run (its latest attempt). */
export interface AccountResult {
  readonly accountId: string;
  readonly outcome: AccountOutcome;
  readonly at: string;
  /** Deliveries of the work item so far. */
  readonly attempts: number;
  readonly principals: readonly Pick<PrincipalReport, 'principal' | 'outcome'>[];
  readonly notes: readonly string[];
  /** Why the account could not be reached or the run failed before any principal. */
  readonly error?: string;
}

/** The run's header: what was targeted. */
export interface CoverageHeader {
  readonly runId: string;
  readonly trigger: 'departure';
  /** Who the run is about, for the completion notification (the person's identifiers). */
  readonly subject: string;
  readonly targets: readonly string[];
  readonly startedAt: string;
}

/** A run's coverage: what was targeted, what reported, what it adds up to. */
export interface Coverage extends CoverageHeader {
  readonly accounts: readonly AccountResult[];
  /** Every targeted account has reported (at least once). */
  readonly complete: boolean;
  /** The run's outcome over the accounts that reported (accounts where the person has no user do not count). */
  readonly outcome: RunOutcome;
  readonly unreachable: readonly { readonly accountId: string; readonly why: string }[];
}

type Store = { readonly ddb: Clients['ddb']; readonly table: string };

const pkOf = (runId: string) => `coverage#${runId}`;
const HEADER_SK = 'run';
const accountSk = (accountId: string) => `account#${accountId}`;

const headerSchema = z.object({
  kind: z.literal('coverage'),
  runId: z.string(),
  trigger: z.literal('departure'),
  subject: z.string(),
  targets: z.array(z.string()),
  startedAt: z.string(),
  notified: z.string().optional(),
});
const accountSchema = z.object({
  kind: z.literal('account-result'),
  accountId: z.string(),
  outcome: z.string(),
  at: z.string(),
  attempts: z.number(),
  principals: z.array(z.any()),
  notes: z.array(z.string()),
  // null when the latest attempt had no error (an UpdateItem cannot both SET and leave out an attribute).
  error: z.string().nullish(),
});

/**
 * Records what a run targets, before its work items are queued. A second call for the same run (the fan-out
 * retried) keeps the first record. Returns whether this call created it. DynamoDB: `dynamodb:PutItem`.
 */
export async function startCoverage(store: Store, header: CoverageHeader): Promise<boolean> {
  try {
    await store.ddb.send(
      new PutCommand({
        TableName: store.table,
        Item: { pk: pkOf(header.runId), sk: HEADER_SK, kind: 'coverage', ...header },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if (awsErrorCode(err) !== 'ConditionalCheckFailedException') throw err;
    return false;
  }
}

/** Records one account's latest result (counting the attempt). DynamoDB: `dynamodb:UpdateItem`. */
export async function recordAccount(
  store: Store,
  runId: string,
  result: Omit<AccountResult, 'attempts'>,
): Promise<void> {
  const { accountId, outcome, at, principals, notes, error } = result;
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.table,
      Key: { pk: pkOf(runId), sk: accountSk(accountId) },
      UpdateExpression:
        'SET kind = :kind, accountId = :account, outcome = :outcome, #at = :at, principals = :principals, notes = :notes, #error = :error ADD attempts :one',
      ExpressionAttributeNames: { '#at': 'at', '#error': 'error' },
      ExpressionAttributeValues: {
        ':kind': 'account-result',
        ':account': accountId,
        ':outcome': outcome,
        ':at': at,
        ':principals': principals.map((p) => ({ principal: p.principal, outcome: p.outcome })),
        ':notes': notes,
        ':error': error ?? null,
        ':one': 1,
      },
    }),
  );
}

/** The coverage target of a departure's Identity Center user (beside its account ids). */
export const IDENTITY_CENTER_TARGET = 'identity-center';

/** A departure's Identity Center result as a coverage entry: the user, its outcome, the manual steps. */
export function idcCoverageResult(
  idc: IdcRevocationReport,
  instanceArn: string,
): Omit<AccountResult, 'attempts'> {
  // Identity Store users are global resources: `arn:<partition>:identitystore:::user/<id>`.
  const partition = instanceArn.split(':')[1] || 'aws';
  return {
    accountId: IDENTITY_CENTER_TARGET,
    outcome: idc.outcome,
    at: idc.at,
    principals: idc.user
      ? [
          {
            principal: {
              kind: 'user',
              name: idc.user.userName,
              arn: `arn:${partition}:identitystore:::user/${idc.user.userId}`,
            },
            outcome: idc.outcome,
          },
        ]
      : [],
    notes: [
      ...idc.notes,
      ...idc.steps
        .filter((s) => s.outcome === 'failed')
        .map((s) => `${s.id} ${s.subject} failed (${s.error ?? 'no detail'})`),
      ...idc.provisioning
        .filter((p) => p.status !== 'SUCCEEDED')
        .map(
          (p) =>
            `provisioning of ${p.permissionSetArn}: ${p.status}${p.failureReason ? ` (${p.failureReason})` : ''}`,
        ),
      ...idc.manualSteps.map((m) => `to do by hand: ${m}`),
    ],
  };
}

/** The run's outcome over its accounts: unreachable ones make it `partial` (`failed` when none was reached). */
export function coverageOutcome(accounts: readonly AccountResult[]): RunOutcome {
  const counted = accounts.filter((a) => a.outcome !== 'not-found');
  if (!counted.length) return accounts.length ? 'not-found' : 'failed';
  if (counted.every((a) => a.outcome === 'unreachable')) return 'failed';
  const outcomes = counted.map((a) => (a.outcome === 'unreachable' ? 'partial' : a.outcome));
  const first = outcomes[0] as RunOutcome;
  return outcomes.every((o) => o === first) ? first : 'partial';
}

/** Reads a run's coverage (one Query). DynamoDB: `dynamodb:Query`. Undefined when the run has no header. */
export async function readCoverage(
  store: Store,
  runId: string,
): Promise<(Coverage & { readonly notified?: string }) | undefined> {
  let header: z.infer<typeof headerSchema> | undefined;
  const accounts: AccountResult[] = [];
  // Strongly consistent: the caller decides completion right after its own write, and an eventually
  // consistent read could miss the last account's result (no notification would ever be sent).
  for await (const item of queryPartition(store, pkOf(runId), false, true)) {
    if (item.sk === HEADER_SK) header = headerSchema.parse(item);
    else {
      const { error, ...a } = accountSchema.parse(item);
      accounts.push({ ...a, outcome: a.outcome as AccountOutcome, ...(error ? { error } : {}) });
    }
  }
  if (!header) return undefined;
  const { kind: _kind, notified, ...rest } = header;
  const reported = new Set(accounts.map((a) => a.accountId));
  return {
    ...rest,
    accounts,
    complete: header.targets.every((t) => reported.has(t)),
    outcome: coverageOutcome(accounts),
    unreachable: accounts
      .filter((a) => a.outcome === 'unreachable')
      .map((a) => ({ accountId: a.accountId, why: a.error ?? 'unknown' })),
    ...(notified ? { notified } : {}),
  };
}

/** What a completion notification says, as one comparable string (a new state is notified, the same one never twice). */
export const coverageSignature = (c: Pick<Coverage, 'accounts'>): string =>
  c.accounts
    .map((a) => `${a.accountId}:${a.outcome}`)
    .sort()
    .join(',');

/**
 * Claims the right to notify this state of the run's coverage: exactly one caller wins per distinct state
 * (two accounts reporting last at once both see the same state; one claims it). DynamoDB: `dynamodb:UpdateItem`.
 */
export async function claimNotification(store: Store, runId: string, signature: string): Promise<boolean> {
  try {
    await store.ddb.send(
      new UpdateCommand({
        TableName: store.table,
        Key: { pk: pkOf(runId), sk: HEADER_SK },
        UpdateExpression: 'SET notified = :sig',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(notified) OR notified <> :sig)',
        ExpressionAttributeValues: { ':sig': signature },
      }),
    );
    return true;
  } catch (err) {
    if (awsErrorCode(err) === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Gives a claim back when its notification could not be sent, so the retry notifies. */
export async function releaseNotification(store: Store, runId: string, signature: string): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.table,
      Key: { pk: pkOf(runId), sk: HEADER_SK },
      UpdateExpression: 'REMOVE notified',
      ConditionExpression: 'notified = :sig',
      ExpressionAttributeValues: { ':sig': signature },
    }),
  );
}
