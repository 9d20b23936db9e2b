import type { Interceptor } from '../local/proxy';
import { type Account, type ScenarioStack, type SeededPerson, WEBHOOK_SECRETS } from './account';
import { type Functions, httpStatus, type WorkerFigures, workerFigures } from './common';
import type { LambdaFunction } from './lambda';
import {
  checkPerson,
  departureIdOf,
  drainQueue,
  idempotencyRecords,
  readUser,
  receivedReports,
  revocationRecords,
  type UserState,
} from './verify';
import { departureDelivery } from './webhook-events';

/**
 * Scenario 3: the worker dies right after the deny. The proxy forwards the worker's `iam:AttachUserPolicy`
 * for the person's user to moto and, once moto has answered 200, kills the worker's environment (SIGKILL)
 * before the answer reaches it: the deny is in place, nothing after it ran, and no `catch`/`finally` of the
 * worker or of Powertools ran (the idempotency record stays INPROGRESS, the message is not deleted). The
 * retry is the event source's redelivery after the visibility timeout. Never bundled into a handler.
 */

/** Kills the busy worker environment once IAM has served the deny for `userName`. */
export class CrashAfterDeny {
  crashedAt: number | undefined;
  readonly crashed: Promise<void>;
  #armed = true;
  #fn: LambdaFunction | undefined;
  #resolve: () => void = () => undefined;

  constructor(readonly userName: string) {
    this.crashed = new Promise((r) => {
      this.#resolve = r;
    });
  }

  bind(fn: LambdaFunction): void {
    this.#fn = fn;
  }

  readonly intercept: Interceptor = async (req, forward) => {
    if (!this.#armed || req.operation !== 'iam:AttachUserPolicy') return undefined;
    if (new URLSearchParams(req.body.toString('utf8')).get('UserName') !== this.userName) return undefined;
    const answer = await forward();
    if (answer.status === 200 && this.#armed) {
      this.#armed = false;
      this.crashedAt = Date.now();
      await this.#fn?.crashBusy('killed right after iam:AttachUserPolicy succeeded');
      this.#resolve();
    }
    return answer;
  };
}

export interface CrashResult {
  readonly crashPoint: string;
  /** The user's state right after the crash (deny in place, the rest not done). */
  readonly afterCrash: UserState;
  readonly idempotencyAfterCrash: string;
  /** Milliseconds from the crash until the in-progress record expired (Lambda context's remaining time). */
  readonly inProgressExpiresAfterMs: number;
  /** Milliseconds from the crash until the event source delivered the message again. */
  readonly redeliveredAfterMs: number;
  readonly receiveCounts: readonly number[];
  readonly afterRetry: UserState;
  readonly idempotencyAfterRetry: string;
  readonly completed: boolean;
  readonly problems: readonly string[];
  /** Revocation records: the killed run's (started) and the retry's (finished). */
  readonly runs: readonly string[];
  readonly notifications: readonly string[];
  readonly dlq: number;
  readonly worker: WorkerFigures;
  readonly durationMs: number;
}

export async function runCrash(
  account: Account,
  stack: ScenarioStack,
  fns: Functions,
  person: SeededPerson,
  crash: CrashAfterDeny,
  options: { crashTimeoutMs: number; drainTimeoutMs: number },
): Promise<CrashResult> {
  const started = Date.now();
  const user = person.users[0];
  if (!user) throw new Error('the crash person has no user');
  crash.bind(fns.worker);
  const delivery = departureDelivery(
    'standard',
    person,
    'crash0departure',
    WEBHOOK_SECRETS.standard,
    new Date(),
  );
  const sent = await fns.webhook.invoke(delivery.signedAt(new Date()));
  if (httpStatus(sent) !== 202)
    throw new Error(`the webhook answered ${httpStatus(sent)} to the crash departure`);
  fns.source.start();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    crash.crashed,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the worker never reached the deny')),
        options.crashTimeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const crashedAt = crash.crashedAt ?? Date.now();
  const afterCrash = await readUser(account, user);
  const [record] = await idempotencyRecords(account.clients, stack.stateTable);
  await fns.source.drained(options.drainTimeoutMs);
  await fns.source.stop();

  const afterRetry = await readUser(account, user);
  const [final] = await idempotencyRecords(account.clients, stack.stateTable);
  const check = await checkPerson(account, person);
  const problems = Object.entries(check.revoked).flatMap(([u, ps]) => ps.map((p) => `${u}: ${p}`));
  const retry = fns.source.deliveries.find((d) => d.receiveCount > 1);
  return {
    crashPoint: 'SIGKILL once moto answered the worker iam:AttachUserPolicy 200, before the worker read it',
    afterCrash,
    idempotencyAfterCrash: record?.status ?? 'none',
    inProgressExpiresAfterMs: record?.inProgressExpiration
      ? record.inProgressExpiration - crashedAt
      : Number.NaN,
    redeliveredAfterMs: retry ? retry.receivedAt - crashedAt : Number.NaN,
    receiveCounts: fns.source.deliveries.map((d) => d.receiveCount),
    afterRetry,
    idempotencyAfterRetry: final?.status ?? 'none',
    completed: problems.length === 0,
    problems,
    runs: (await revocationRecords(account.clients, stack.stateTable, user.userName)).map((r) => r.status),
    notifications: (await receivedReports(account.clients, stack.inbox.queueUrl)).map((r) => r.outcome),
    dlq: (await drainQueue(account.clients, stack.queue.dlqUrl)).map(departureIdOf).length,
    worker: workerFigures(fns.worker, fns.source),
    durationMs: Date.now() - started,
  };
}
