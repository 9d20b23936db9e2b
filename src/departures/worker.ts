import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { reportToCoverage } from '../accounts/completion';
import { IDENTITY_CENTER_TARGET, idcCoverageResult } from '../accounts/coverage';
import type { Clients } from '../clients';
import { type Config, fansOut } from '../config';
import {
  endIdentityCenterSessions,
  type RevocationReport,
  type RevocationRequest,
  runRevocation,
} from '../engine';
import { ConfigError, describeError, InvalidRequestError, TransientError } from '../errors';
import { scheduleFollowUps } from '../follow-up';
import { findIdentityCenterUser, type IdcDeps, identityCenterConfigured } from '../identity-center';
import { logger } from '../logger';
import { recordRun } from '../metrics';
import { malformedDepartureNotification, publish, publishOrNote, revocationNotification } from '../notify';
import { sqsBatch } from '../util/sqs-batch';
import { forgetDryRunDeparture, keepDryRunDeparture, keptDryRunDepartures } from './dry-run';
import { type DepartureReport, revokeDepartedIdcUser, withIdentityCenter } from './identity-center';
import {
  type CancellationMessage,
  type DepartureMessage,
  isCancellation,
  type Person,
  parseQueuedMessage,
  type QueuedMessage,
} from './message';
import {
  cancellationNotification,
  cancellationReport,
  cancelScheduledDepartures,
  claimDue,
  type ScheduleDeps,
  samePerson,
  scheduleDeparture,
  scheduledNotification,
  scheduledReport,
  scheduleTime,
  schedulingUnavailable,
} from './schedule';

/**
 * How long a departure id is remembered: longer than any sender's retry window (BambooHR ~2.5 h, HiBob ~5 h,
 * Personio 3 days) and than the 3 days after which unsigned events are no longer trusted.
 */
export const DEPARTURE_IDEMPOTENCY_SECONDS = 7 * 24 * 3600;

/**
 * IAM actions of the worker beyond the engine's: the Powertools idempotency records on the state table. Receiving
 * and deleting messages is done by the SQS event source mapping, with the function role's permissions on the
 * departure queue ({@link EVENT_SOURCE_PERMISSIONS}).
 */
export const IDEMPOTENCY_PERMISSIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** What the SQS event source mapping needs on the departure queue (granted to the worker's role). */
export const EVENT_SOURCE_PERMISSIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;

/** Partition key of every departure idempotency record in the state table (the sort key is the hashed id). */
export const DEPARTURE_IDEMPOTENCY_PK = 'idempotency#departure';

/** What a completed departure leaves in its idempotency record (small: DynamoDB items are at most 400 KB). */
export interface DepartureResult {
  readonly runId: string;
  /**
   * The run's outcome; `fanned-out` when the departure was queued as one work item per target account;
   * `scheduled` when it was scheduled ahead (`planned` in a dry run); for a due departure whose record was
   * cancelled, `cancelled`; for a cancellation, `cancelled`, `too-late` or `nothing-to-cancel`.
   */
  readonly outcome:
    | RevocationReport['outcome']
    | 'fanned-out'
    | 'scheduled'
    | 'cancelled'
    | 'fired'
    | 'too-late'
    | 'nothing-to-cancel';
  /** Principals revoked (single account), or accounts targeted (fanned out). */
  readonly principals?: number;
  readonly accounts?: number;
  /** When a departure scheduled ahead takes effect. */
  readonly effectiveAt?: string;
}

/** Queues a departure as one work item per target account (src/accounts: `departureFanOut`). */
export type FanOut = (
  message: DepartureMessage,
  alsoTargets?: readonly string[],
  identityCenterUserName?: string,
) => Promise<{ readonly accounts: readonly string[] }>;

export interface WorkerDeps {
  readonly config: Config;
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'sns' | 'ddb' | 'sqs' | 'scheduler'>;
  /** Defaults to the state table (`pk` = {@link DEPARTURE_IDEMPOTENCY_PK}, `sk` = hashed id, TTL `expiresAt`). */
  readonly persistenceStore?: BasePersistenceLayer;
  /** The engine; tests may pass a stub. */
  readonly revoke?: typeof runRevocation;
  /** The clock, read once per departure. */
  readonly clock?: () => Date;
  /**
   * The fan-out over accounts, required when `TARGET_ACCOUNTS` is not `self`: the departure is then queued as
   * one work item per target account for the account worker instead of being revoked here.
   */
  readonly fanOut?: FanOut;
  /** The Identity Center dependencies of a run (undefined when not configured): `identityCenterDeps`. */
  readonly identityCenter?: (runId: string, now: Date) => Promise<IdcDeps | undefined>;
}

/**
 * Powertools idempotency records on the state table. The table's keys are `pk`/`sk` strings, so the
 * partition key is a constant and the sort key the hashed departure id; `expiresAt` is its TTL attribute.
 * DynamoDB: `dynamodb:GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`.
 */
export function departurePersistence(
  config: Config,
  clients: Pick<Clients, 'ddb'>,
  partition: string = DEPARTURE_IDEMPOTENCY_PK,
): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: config.stateTable,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: partition,
    expiryAttr: 'expiresAt',
    // The document client is a DynamoDB client: the persistence layer sends it low-level commands.
    awsSdkV3Client: clients.ddb as unknown as DynamoDBClient,
  });
}

/** The engine request of a departure: everything the person can use is closed, the run id is the departure id. */
export function departureRequest(message: DepartureMessage): RevocationRequest {
  const { employeeId, email } = message.person;
  return {
    trigger: 'departure',
    mode: 'departure',
    target: { ...(employeeId ? { employeeId } : {}), ...(email ? { email } : {}) },
    reason: `${message.reason ?? 'departure'} (${message.provider}, occurred ${message.occurredAt})`,
    requestedBy: `hr-webhook/${message.provider}`,
    runId: message.id,
  };
}

/**
 * True when the person may still have access, so the message must go back to the queue: the run failed, or
 * any principal is `failed` or `partial` (a step failed, or verification found access left); a protected
 * principal is not a reason. The retry
 * re-reads AWS and finishes what is left (every step is idempotent); what keeps failing reaches the DLQ
 * after the queue's maxReceiveCount, with a notification from each attempt. `not-found`, `protected` and
 * `planned` are final.
 */
export function needsRetry(report: DepartureReport): boolean {
  // The Identity Center user as a whole: a failed or partial revocation there may leave access.
  const idc = report.identityCenter?.outcome;
  if (idc === 'failed' || idc === 'partial') return true;
  // Judged per principal: a person whose users are revoked but one is protected is `partial` as a run, and
  // retrying would not change the protected one. (With an Identity Center section the run's outcome covers
  // both sides: the IAM side is judged by its principals alone.)
  if (report.outcome === 'failed' && !report.identityCenter) return true;
  return report.principals.some((p) => p.outcome === 'failed' || p.outcome === 'partial');
}

/**
 * A planned (dry-run) departure is kept for a replay once DRY_RUN is off (a failure to keep it fails the
 * record, so SQS retries: never lost); a departure handled for real is forgotten from that list.
 */
async function keepOrForget(deps: WorkerDeps, message: DepartureMessage, dryRun: boolean, now: Date) {
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  if (dryRun) {
    await keepDryRunDeparture(store, message, now);
    return;
  }
  await forgetDryRunDeparture(store, message.id).catch((err) =>
    logger.warn('kept dry-run departure not forgotten', { error: describeError(err) }),
  );
}

/**
 * One departure, once: the engine's run, its notification, a retry when access may remain, the dry-run list.
 * @throws TransientError when the person may still have access (the message goes back to the queue).
 */
/** The departure's Identity Center share, run beside the IAM work (both deny first), when configured. */
async function identityCenterShare(deps: WorkerDeps, message: DepartureMessage, now: Date) {
  const idc = await deps.identityCenter?.(message.id, now);
  if (!idc) return undefined;
  const { reason, requestedBy } = departureRequest(message);
  return revokeDepartedIdcUser(message, { reason, requestedBy }, idc);
}

/**
 * The person's Identity Center userName (two reads), for every account's worker to end that user's role
 * sessions; undefined when there is none or it cannot be read now (the email match still applies, and the
 * Identity Center share reports the failure).
 */
async function idcUserName(idc: IdcDeps, message: DepartureMessage) {
  const { email, employeeId } = message.person;
  const target = { ...(email ? { email } : {}), ...(employeeId ? { employeeId } : {}) };
  return (await findIdentityCenterUser(idc, target).catch(() => undefined))?.userName;
}

/**
 * Over several accounts: the work items queued for the account worker and, beside them, the Identity Center
 * user revoked here once (the instance is organization-wide) and recorded as the run's `identity-center`
 * target, so the one completion notification covers it.
 */
async function fanOutDeparture(deps: WorkerDeps, clock: () => Date, message: DepartureMessage) {
  if (!deps.fanOut)
    throw new ConfigError('the departure worker has no fan-out while TARGET_ACCOUNTS is not self');
  const idcDeps = identityCenterConfigured(deps.config)
    ? await deps.identityCenter?.(message.id, clock())
    : undefined;
  const { accounts } = await deps.fanOut(
    message,
    idcDeps ? [IDENTITY_CENTER_TARGET] : [],
    idcDeps ? await idcUserName(idcDeps, message) : undefined,
  );
  const { reason, requestedBy } = departureRequest(message);
  const idc = idcDeps ? await revokeDepartedIdcUser(message, { reason, requestedBy }, idcDeps) : undefined;
  if (idc) {
    await reportToCoverage(deps, message.id, idcCoverageResult(idc, deps.config.ssoInstanceArn ?? ''));
    if (idc.outcome === 'failed' || idc.outcome === 'partial') {
      throw new TransientError(
        `Identity Center revocation ${idc.outcome}: access may remain, the departure is retried`,
      );
    }
  }
  await keepOrForget(deps, message, deps.config.dryRun, clock());
  return { runId: message.id, outcome: 'fanned-out' as const, accounts: accounts.length };
}

async function handleDeparture(
  deps: WorkerDeps,
  revoke: typeof runRevocation,
  clock: () => Date,
  message: DepartureMessage,
  notes: readonly string[] = [],
): Promise<DepartureResult> {
  if (fansOut(deps.config)) return fanOutDeparture(deps, clock, message);
  const now = clock();
  const [iam, idc] = await Promise.all([
    revoke(departureRequest(message), { config: deps.config, clients: deps.clients, now }),
    identityCenterShare(deps, message, now),
  ]);
  const report = withIdentityCenter(iam, idc);
  (report.notes as string[]).push(...notes);
  // The Identity Center user's role sessions, when its userName is not the email the engine already matched.
  const userName = idc?.user?.userName;
  if (userName && userName.toLowerCase() !== message.person.email?.toLowerCase()) {
    const engineDeps = { config: deps.config, clients: deps.clients, now };
    (report.notes as string[]).push(
      ...(await endIdentityCenterSessions([userName], message.id, report.dryRun, engineDeps)),
    );
  }
  // The CloudTrail follow-ups of a run that changed something (FOLLOW_UP_MINUTES after it).
  (report.notes as string[]).push(...(await scheduleFollowUps(deps, report)));
  await publishOrNote(deps.clients, deps.config, revocationNotification(report), report.notes as string[]);
  recordRun(report.trigger, report.outcome);
  if (needsRetry(report)) {
    throw new TransientError(`revocation ${report.outcome}: access may remain, the departure is retried`);
  }
  await keepOrForget(deps, message, report.dryRun, clock());
  return { runId: report.runId, outcome: report.outcome, principals: report.principals.length };
}

const scheduleDeps = (deps: WorkerDeps): ScheduleDeps => ({ config: deps.config, clients: deps.clients });

/**
 * A departure effective ahead: recorded and scheduled (planned under DRY_RUN), notified with its time; no IAM
 * change. The dry-run list keeps or forgets it as it does a departure revoked now.
 */
async function scheduleAhead(
  deps: WorkerDeps,
  message: DepartureMessage,
  at: Date,
  now: Date,
): Promise<DepartureResult> {
  const result = await scheduleDeparture(scheduleDeps(deps), message, at, now);
  const report = scheduledReport(message, result, deps.config.dryRun, now);
  await publishOrNote(deps.clients, deps.config, scheduledNotification(report), []);
  recordRun(report.trigger, report.outcome);
  await keepOrForget(deps, message, deps.config.dryRun, now);
  return { runId: message.id, outcome: result.outcome, effectiveAt: result.effectiveAt };
}

/**
 * Forgets the departures of the person kept from a dry run, so that a later replay does not revive a
 * departure since cancelled. DynamoDB: `dynamodb:Query`, `dynamodb:DeleteItem` (the dry-run partition).
 */
async function forgetKeptDeparturesOf(deps: WorkerDeps, person: Person): Promise<string[]> {
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  const ids: string[] = [];
  for await (const kept of keptDryRunDepartures(store)) {
    if (kept.ok && samePerson(kept.message.person, person)) ids.push(kept.message.id);
  }
  for (const id of ids) await forgetDryRunDeparture(store, id);
  return ids;
}

/**
 * A cancellation: the person's scheduled departures cancelled (schedules deleted; planned under DRY_RUN) and
 * notified, with those that fired already (too late); with none, logged only (a BambooHR status set to Active
 * or an Okta reactivation of someone with nothing scheduled is routine).
 */
async function cancelDeparture(
  deps: WorkerDeps,
  message: CancellationMessage,
  now: Date,
): Promise<DepartureResult> {
  const result = await cancelScheduledDepartures(scheduleDeps(deps), message.cancelFor, message.id, now);
  const forgotten = await forgetKeptDeparturesOf(deps, message.cancelFor);
  const notes = forgotten.length ? [`kept dry-run departures forgotten: ${forgotten.join(', ')}`] : [];
  if (!result.cancelled.length && !result.tooLate.length) {
    logger.info('cancellation: no scheduled departure of the person', { forgotten });
    return { runId: message.id, outcome: 'nothing-to-cancel' };
  }
  const report = cancellationReport(message, result, deps.config.dryRun, now, notes);
  await publishOrNote(deps.clients, deps.config, cancellationNotification(report), []);
  recordRun(report.trigger, report.outcome);
  return { runId: message.id, outcome: report.outcome };
}

/**
 * A due departure (delivered by its schedule): its record re-read and claimed first, so a cancellation
 * recorded before revokes nothing.
 */
async function handleDue(
  deps: WorkerDeps,
  revoke: typeof runRevocation,
  clock: () => Date,
  message: DepartureMessage,
): Promise<DepartureResult> {
  const claim = await claimDue(scheduleDeps(deps), message, clock());
  if (claim === 'cancelled') {
    logger.info('scheduled departure cancelled before it fired: nothing revoked', {
      scheduledFor: message.scheduledFor,
    });
    return { runId: message.id, outcome: 'cancelled' };
  }
  const notes = claim === 'missing' ? ['no record of this scheduled departure: revoked as due'] : [];
  return handleDeparture(deps, revoke, clock, message, notes);
}

/**
 * One queued message: a cancellation; a due departure; a departure effective further ahead than
 * `SCHEDULE_MIN_LEAD_MINUTES`, scheduled (revoked now, with a note, when scheduling is not configured); or a
 * departure revoked now, as before.
 */
async function handleMessage(
  deps: WorkerDeps,
  revoke: typeof runRevocation,
  clock: () => Date,
  message: QueuedMessage,
): Promise<DepartureResult> {
  if (isCancellation(message)) return cancelDeparture(deps, message, clock());
  if (message.scheduledFor !== undefined) return handleDue(deps, revoke, clock, message);
  const at = scheduleTime(message, deps.config, clock());
  if (!at) return handleDeparture(deps, revoke, clock, message);
  const off = schedulingUnavailable(deps.config);
  if (!off) return scheduleAhead(deps, message, at, clock());
  logger.warn('departure effective ahead revoked now: scheduling is off', { reason: off, effectiveAt: at });
  const note = `effective at ${at.toISOString()} but revoked on receipt: ${off}, so scheduling is off`;
  return handleDeparture(deps, revoke, clock, message, [note]);
}

/**
 * The idempotency key of a message: its id; for a due departure `<id>@<scheduledFor>`, so the record of the
 * run that scheduled it does not answer for it.
 */
export const idempotencyKeyOf = (message: QueuedMessage): string =>
  !isCancellation(message) && message.scheduledFor !== undefined
    ? `${message.id}@${message.scheduledFor}`
    : message.id;

/**
 * The revocation worker: each SQS record is one departure, revoked once per departure id whatever the
 * number of deliveries (Powertools idempotency), records processed one after another (IAM writes stay
 * bounded), failures reported as `batchItemFailures` so SQS retries them and, past the redrive limit,
 * moves them to the DLQ.
 * @example
 * const worker = departureWorker({ config, clients });
 * export const handler = (event: SQSEvent, context: Context) => worker.process(event, context);
 */
export function departureWorker(deps: WorkerDeps) {
  const revoke = deps.revoke ?? runRevocation;
  const clock = deps.clock ?? (() => new Date());
  // The key is hashed as before (a departure's is its id): records written before scheduling still apply.
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    expiresAfterSeconds: DEPARTURE_IDEMPOTENCY_SECONDS,
  });
  const handleOnce = makeIdempotent(
    (input: { readonly idempotencyKey: string; readonly message: QueuedMessage }) =>
      handleMessage(deps, revoke, clock, input.message),
    {
      persistenceStore: deps.persistenceStore ?? departurePersistence(deps.config, deps.clients),
      config: idempotencyConfig,
      // A dry run must not use up the departure: with DRY_RUN turned off, the same id revokes for real.
      keyPrefix: deps.config.dryRun ? 'departure-dry-run' : 'departure',
    },
  );

  async function handleRecord(record: SQSRecord): Promise<DepartureResult | undefined> {
    let message: QueuedMessage;
    try {
      message = parseQueuedMessage(record.body);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      logger.error('malformed departure dropped', { messageId: record.messageId, error: err.message });
      // If the notification cannot be sent, the record is retried (and reaches the DLQ): never lost silently.
      await publish(deps.clients, deps.config, malformedDepartureNotification(record, err));
      return undefined;
    }
    logger.appendKeys({ runId: message.id, provider: message.provider });
    try {
      const result = await handleOnce({ idempotencyKey: idempotencyKeyOf(message), message });
      logger.info('departure handled', { ...result });
      return result;
    } catch (err) {
      logger.error('departure will be retried', {
        error: describeError(err),
        receiveCount: record.attributes?.ApproximateReceiveCount,
      });
      throw err;
    } finally {
      logger.removeKeys(['runId', 'provider']);
    }
  }

  return {
    handleRecord,
    /** Processes a batch; the response lists the records SQS must deliver again. */
    process: sqsBatch(handleRecord, idempotencyConfig, 'departure'),
  };
}
