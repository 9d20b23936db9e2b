import type { Clients } from '../clients';
import type { Config } from '../config';
import type { DepartureMessage } from '../departures/message';
import { ConfigError } from '../errors';
import { logger } from '../logger';
import type { AccountAccess } from './access';
import { readCoverage, startCoverage } from './coverage';
import { targetAccounts } from './targets';
import { type AccountWorkItem, departureItems, queueWorkItems, workItemId } from './work';

export interface FanOutDeps {
  readonly config: Pick<
    Config,
    'targetAccounts' | 'excludedAccounts' | 'orgRoleArn' | 'accountQueueUrl' | 'stateTable'
  >;
  readonly clients: Pick<Clients, 'ddb' | 'sqs'>;
  readonly access: AccountAccess;
  readonly clock?: () => Date;
}

const queueOf = (deps: FanOutDeps): string => {
  if (!deps.config.accountQueueUrl) {
    throw new ConfigError('Environment variable ACCOUNT_QUEUE_URL is required unless TARGET_ACCOUNTS=self');
  }
  return deps.config.accountQueueUrl;
};

/** A person's identifiers as the completion notification names them. */
const describePerson = (p: DepartureMessage['person']): string =>
  [p.employeeId ? `employeeId ${p.employeeId}` : '', p.email ? `email ${p.email}` : '']
    .filter(Boolean)
    .join(', ');

/**
 * The departure worker's fan-out: the target accounts listed, recorded as the departure's coverage (before
 * anything is queued, so an account that never reports is still named), then one work item per account
 * queued on `ACCOUNT_QUEUE_URL` (SendMessageBatch). A redelivered departure queues the accounts first
 * recorded again (the account worker's dedupe absorbs them).
 * Organizations/STS: see targetAccounts. DynamoDB: `dynamodb:PutItem`, `dynamodb:Query`. SQS: `sqs:SendMessage`.
 * @throws TransientError when the queue refuses items; the SDK's error when listing accounts fails.
 * @example
 * const fanOut = departureFanOut({ config, clients, access });
 * const { accounts } = await fanOut(message);
 */
export function departureFanOut(deps: FanOutDeps) {
  const clock = deps.clock ?? (() => new Date());
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  return async (
    message: DepartureMessage,
    alsoTargets: readonly string[] = [],
    identityCenterUserName?: string,
  ): Promise<{ accounts: readonly string[] }> => {
    const queueUrl = queueOf(deps);
    const targets = [...(await targetAccounts(deps.config, deps.access, message.id)), ...alsoTargets];
    const created = await startCoverage(store, {
      runId: message.id,
      trigger: 'departure',
      subject: describePerson(message.person),
      targets,
      startedAt: clock().toISOString(),
    });
    // A redelivered departure queues the targets first recorded (read back only then: one round trip saved).
    const recorded = created ? targets : ((await readCoverage(store, message.id))?.targets ?? targets);
    // Only account ids become work items (`identity-center` is reported by the departure worker itself).
    const accounts = recorded.filter((t) => /^\d{12}$/.test(t));
    await queueWorkItems(deps.clients, queueUrl, departureItems(message, accounts, identityCenterUserName));
    logger.info('departure fanned out', { runId: message.id, accounts: accounts.length });
    return { accounts };
  };
}

export type DepartureFanOut = ReturnType<typeof departureFanOut>;

/**
 * The key sweep's fan-out (`TARGET_ACCOUNTS` other than `self`): one sweep work item per target account, each
 * account then swept by the account worker with its own breaker and its own summary.
 * @example
 * const { accounts } = await sweepFanOut({ config, clients, access })({ mode: 'enforce' }, sweepId);
 */
export function sweepFanOut(deps: FanOutDeps) {
  return async (
    input: { readonly mode?: 'report' | 'enforce'; readonly dryRun?: boolean },
    sweepId: string,
  ): Promise<{ accounts: readonly string[] }> => {
    const queueUrl = queueOf(deps);
    const accounts = await targetAccounts(deps.config, deps.access, sweepId);
    const items: AccountWorkItem[] = accounts.map((accountId) => ({
      kind: 'sweep',
      id: workItemId(sweepId, accountId),
      accountId,
      sweepId,
      ...(input.mode ? { mode: input.mode } : {}),
      ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}),
    }));
    await queueWorkItems(deps.clients, queueUrl, items);
    logger.info('sweep fanned out', { sweepId, accounts: accounts.length });
    return { accounts };
  };
}
