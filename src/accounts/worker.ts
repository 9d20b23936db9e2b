import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Clients } from '../clients';
import type { Config } from '../config';
import {
  departurePersistence,
  departureRequest,
  IDEMPOTENCY_PERMISSIONS,
  needsRetry,
} from '../departures/worker';
import { type RevocationReport, runRevocation } from '../engine';
import { describeError, InvalidRequestError, TransientError } from '../errors';
import { scheduleFollowUps } from '../follow-up';
import { logger } from '../logger';
import {
  accountDeadLetterNotification,
  malformedAccountWorkNotification,
  publish,
  publishOrNote,
} from '../notify';
import { runSweep } from '../sweep/sweep';
import { sqsBatch } from '../util/sqs-batch';
import { type AccountAccess, type AccountScope, AccountUnreachableError, accountAccess } from './access';
import { reportToCoverage } from './completion';
import type { AccountResult } from './coverage';
import { type AccountWorkItem, parseWorkItem } from './work';

/** Partition key of the account worker's idempotency records (the sort key is the hashed work item id). */
export const ACCOUNT_WORK_IDEMPOTENCY_PK = 'idempotency#account-work';

/**
 * IAM actions of the account worker beyond the engine's, the sweep's and the coverage records': its Powertools
 * idempotency records on the state table, and the account queue's RedrivePolicy it reads (`maxReceives`) to
 * know a record's last delivery (also needed by the SQS event source).
 */
export const ACCOUNT_WORKER_PERMISSIONS = [...IDEMPOTENCY_PERMISSIONS, 'sqs:GetQueueAttributes'] as const;

/** How long a work item id is remembered (as long as a departure id). */
export const ACCOUNT_WORK_IDEMPOTENCY_SECONDS = 7 * 24 * 3600;

export interface AccountWorkerDeps {
  readonly config: Config;
  readonly clients: Pick<
    Clients,
    'iam' | 'ssm' | 'sns' | 'ddb' | 'sqs' | 'sts' | 'organizations' | 'withCredentials'
  > &
    Partial<Pick<Clients, 'scheduler'>>;
  readonly access?: AccountAccess;
  /** Defaults to the state table (`pk` = {@link ACCOUNT_WORK_IDEMPOTENCY_PK}). */
  readonly persistenceStore?: BasePersistenceLayer;
  readonly revoke?: typeof runRevocation;
  readonly sweep?: typeof runSweep;
  readonly clock?: () => Date;
  /** The account queue's redrive limit (maxReceiveCount); read from the queue's RedrivePolicy when absent. */
  readonly maxReceiveCount?: number;
}

/** What a handled work item leaves in its idempotency record. */
export interface AccountWorkResult {
  readonly id: string;
  readonly accountId: string;
  readonly outcome: string;
}

/** Failing steps' errors, one line each, for the coverage record (the full report is in the state records). */
const failedSteps = (report: RevocationReport): string[] =>
  report.principals.flatMap((p) =>
    p.steps
      .filter((s) => s.outcome === 'failed')
      .map((s) => `${p.principal.name}: ${s.id} ${s.subject} failed (${s.error ?? 'no detail'})`),
  );

/** The engine's dependencies in one account: its clients for IAM/SSM, the state table, its records apart. */
function engineDeps(deps: AccountWorkerDeps, scope: AccountScope, now: Date) {
  return {
    config: deps.config,
    clients: {
      iam: scope.clients.iam,
      ssm: scope.clients.ssm,
      ddb: deps.clients.ddb,
      sns: deps.clients.sns,
      // Central: the follow-up schedules of a drift re-revocation in this account.
      ...(deps.clients.scheduler ? { scheduler: deps.clients.scheduler } : {}),
    },
    now,
    ...(scope.home ? {} : { accountId: scope.accountId }),
  };
}

/** What the account worker's pieces share. */
interface WorkerContext {
  readonly deps: AccountWorkerDeps;
  readonly access: AccountAccess;
  readonly revoke: typeof runRevocation;
  readonly sweep: typeof runSweep;
  readonly clock: () => Date;
  readonly store: { readonly ddb: Clients['ddb']; readonly table: string };
  /** The account queue's redrive limit, once read. */
  redriveLimit?: Promise<number | undefined>;
}

/** The queue's maxReceiveCount (GetQueueAttributes, once): the delivery after which a record goes to the DLQ. */
function maxReceives(ctx: WorkerContext): Promise<number | undefined> {
  const { deps } = ctx;
  if (deps.maxReceiveCount !== undefined) return Promise.resolve(deps.maxReceiveCount);
  const url = deps.config.accountQueueUrl;
  if (!url) return Promise.resolve(undefined);
  ctx.redriveLimit ??= deps.clients.sqs
    .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }))
    .then((r) => {
      const policy = r.Attributes?.RedrivePolicy;
      return policy ? Number(JSON.parse(policy).maxReceiveCount) || undefined : undefined;
    })
    .catch((err) => {
      logger.warn('redrive policy of the account queue not read', { error: describeError(err) });
      ctx.redriveLimit = undefined;
      return undefined;
    });
  return ctx.redriveLimit;
}

const reportAccount = (ctx: WorkerContext, runId: string, result: Omit<AccountResult, 'attempts'>) =>
  reportToCoverage(ctx.deps, runId, result);

/** Opens the account, recording it `unreachable` (and rethrowing, so SQS retries) when it cannot be. */
async function openAccount(ctx: WorkerContext, item: AccountWorkItem, runId: string): Promise<AccountScope> {
  try {
    return await ctx.access.open(item.accountId, runId);
  } catch (err) {
    if (!(err instanceof AccountUnreachableError)) throw err;
    logger.error('account unreachable', { accountId: item.accountId, error: err.message });
    if (item.kind === 'departure') {
      await reportAccount(ctx, runId, {
        accountId: item.accountId,
        outcome: 'unreachable',
        at: ctx.clock().toISOString(),
        principals: [],
        notes: [],
        error: err.message,
      });
    }
    throw err;
  }
}

/** One account's share of a departure: the person's users there revoked, the result recorded. */
async function departureShare(ctx: WorkerContext, item: Extract<AccountWorkItem, { kind: 'departure' }>) {
  const runId = item.departure.id;
  const scope = await openAccount(ctx, item, runId);
  const now = ctx.clock();
  const request = {
    ...departureRequest(item.departure),
    ...(item.identityCenterUserName ? { identityCenterUserName: item.identityCenterUserName } : {}),
  };
  const result = await ctx.revoke(request, engineDeps(ctx.deps, scope, now));
  // This account's share of the departure's CloudTrail follow-ups (one set of schedules per run).
  const followUps = await scheduleFollowUps(ctx.deps, result);
  await reportAccount(ctx, runId, {
    accountId: item.accountId,
    outcome: result.outcome,
    at: now.toISOString(),
    principals: result.principals.map((p) => ({ principal: p.principal, outcome: p.outcome })),
    notes: [
      ...result.notes,
      ...followUps,
      ...result.principals.flatMap((p) => p.notes.map((n) => `${p.principal.name}: ${n}`)),
      ...failedSteps(result),
    ],
  });
  if (needsRetry(result)) {
    throw new TransientError(`revocation in ${item.accountId} ${result.outcome}: access may remain, retried`);
  }
  return result.outcome;
}

/** One account's share of an organization sweep: that account swept, with its own breaker and summary. */
async function sweepShare(ctx: WorkerContext, item: Extract<AccountWorkItem, { kind: 'sweep' }>) {
  const scope = await openAccount(ctx, item, item.sweepId);
  const input = {
    ...(item.mode ? { mode: item.mode } : {}),
    ...(item.dryRun !== undefined ? { dryRun: item.dryRun } : {}),
  };
  const summary = await ctx.sweep(input, engineDeps(ctx.deps, scope, ctx.clock()), { runId: item.id });
  return summary.outcome;
}

/** After the last delivery fails, the item goes to the DLQ: say so, loudly, once. */
async function alertIfLast(ctx: WorkerContext, record: SQSRecord, item: AccountWorkItem, err: unknown) {
  const attempts = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  const limit = await maxReceives(ctx);
  if (limit === undefined || attempts < limit) return;
  const notes: string[] = [];
  const why = describeError(err);
  await publishOrNote(
    ctx.deps.clients,
    ctx.deps.config,
    accountDeadLetterNotification({ id: item.id, kind: item.kind, accountId: item.accountId, attempts, why }),
    notes,
  );
  if (notes.length) logger.error('dead-letter alert not sent', { notes });
}

/** Handled once per work item id (Powertools idempotency on the state table). */
function idempotent(ctx: WorkerContext, idempotencyConfig: IdempotencyConfig) {
  const { deps } = ctx;
  return makeIdempotent(
    async (item: AccountWorkItem): Promise<AccountWorkResult> => {
      const outcome =
        item.kind === 'departure' ? await departureShare(ctx, item) : await sweepShare(ctx, item);
      return { id: item.id, accountId: item.accountId, outcome };
    },
    {
      persistenceStore:
        deps.persistenceStore ?? departurePersistence(deps.config, deps.clients, ACCOUNT_WORK_IDEMPOTENCY_PK),
      config: idempotencyConfig,
      keyPrefix: deps.config.dryRun ? 'account-work-dry-run' : 'account-work',
    },
  );
}

/** A message that is not a work item: dropped (never retried), and said loudly. */
async function dropMalformed(deps: AccountWorkerDeps, record: SQSRecord, err: InvalidRequestError) {
  logger.error('malformed account work item dropped', { messageId: record.messageId, error: err.message });
  await publish(deps.clients, deps.config, malformedAccountWorkNotification(record.messageId, err.message));
}

/**
 * The account worker: each SQS record is one account's share of a departure or a sweep. It reaches the
 * account (the member role, or the function's own credentials at home), runs the engine there, records the
 * account's result in the run's coverage and, when it is the last account to report, sends the departure's
 * one completion notification. Idempotent per work item id (`<run id>@<account id>`); an unreachable account
 * or a revocation that may have left access fails its record (retried by SQS; past the redrive limit, the DLQ
 * and a high-severity alert).
 * @example
 * const worker = accountWorker({ config, clients });
 * export const handler = (event: SQSEvent, context: Context) => worker.process(event, context);
 */
export function accountWorker(deps: AccountWorkerDeps) {
  const ctx: WorkerContext = {
    deps,
    access: deps.access ?? accountAccess(deps),
    revoke: deps.revoke ?? runRevocation,
    sweep: deps.sweep ?? runSweep,
    clock: deps.clock ?? (() => new Date()),
    store: { ddb: deps.clients.ddb, table: deps.config.stateTable },
  };
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    expiresAfterSeconds: ACCOUNT_WORK_IDEMPOTENCY_SECONDS,
  });
  const once = idempotent(ctx, idempotencyConfig);

  async function handleRecord(record: SQSRecord): Promise<AccountWorkResult | undefined> {
    let item: AccountWorkItem;
    try {
      item = parseWorkItem(record.body);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      await dropMalformed(deps, record, err);
      return undefined;
    }
    logger.appendKeys({ workItem: item.id, accountId: item.accountId });
    try {
      const result = await once(item);
      logger.info('account work item handled', { ...result });
      return result;
    } catch (err) {
      logger.error('account work item will be retried', {
        error: describeError(err),
        receiveCount: record.attributes?.ApproximateReceiveCount,
      });
      await alertIfLast(ctx, record, item, err);
      throw err;
    } finally {
      logger.removeKeys(['workItem', 'accountId']);
    }
  }

  return {
    handleRecord,
    /** Processes a batch; the response lists the records SQS must deliver again. */
    process: sqsBatch(handleRecord, idempotencyConfig, 'account-work'),
  };
}
