import { faultResponse, type Interceptor } from '../local/proxy';
import { type Account, type ScenarioStack, type SeededPerson, WEBHOOK_SECRETS } from './account';
import { type Functions, httpStatus, type WorkerFigures, workerFigures } from './common';
import { classify, type PersonOutcome } from './departures';
import { checkPerson, departureIdOf, drainQueue, readUser, receivedReports, type UserState } from './verify';
import { departureDelivery } from './webhook-events';

/**
 * The always-failing key deactivation scenario: the case scenario 1 meets by chance (a write whose every SDK
 * attempt is faulted: 0.2^5 per command, a few hundred revocation writes per run), made deterministic: the
 * proxy answers 503 to the first `attempts` `iam:UpdateAccessKey` requests for one user, so the worker's
 * first run deactivates nothing for one key after the SDK's 5 attempts; later requests go through. The bar is
 * scenario 1's: verified revoked, or in the DLQ with a failure notification. Never bundled into a handler.
 */

/** Answers 503 to the first `attempts` `iam:UpdateAccessKey` requests for one access key. */
export class FailKeyDeactivation {
  injected = 0;
  accessKeyId = '';

  constructor(readonly attempts: number) {}

  readonly intercept: Interceptor = (req) => {
    if (req.operation !== 'iam:UpdateAccessKey' || this.injected >= this.attempts) return undefined;
    if (new URLSearchParams(req.body.toString('utf8')).get('AccessKeyId') !== this.accessKeyId)
      return undefined;
    this.injected++;
    return faultResponse('http503', req);
  };
}

export interface WriteFailureResult {
  /** 503 answers given to the key's deactivation (the SDK's maxAttempts). */
  readonly injected: number;
  readonly outcome: PersonOutcome;
  readonly problems: readonly string[];
  readonly notifications: readonly string[];
  readonly afterRun: UserState;
  readonly receiveCounts: readonly number[];
  readonly dlq: number;
  readonly worker: WorkerFigures;
}

export async function runWriteFailure(
  account: Account,
  stack: ScenarioStack,
  fns: Functions,
  person: SeededPerson,
  failure: FailKeyDeactivation,
  options: { drainTimeoutMs: number },
): Promise<WriteFailureResult> {
  const user = person.users[0];
  if (!user?.keys[0]) throw new Error('the write-failure person has no user with a key');
  failure.accessKeyId = user.keys[0].accessKeyId;
  const delivery = departureDelivery(
    'standard',
    person,
    'writefailure0departure',
    WEBHOOK_SECRETS.standard,
    new Date(),
  );
  const sent = await fns.webhook.invoke(delivery.signedAt(new Date()));
  if (httpStatus(sent) !== 202) throw new Error(`the webhook answered ${httpStatus(sent)}`);
  const departureId = `standard:msg_writefailure0departure`;
  fns.source.start();
  await fns.source.drained(options.drainTimeoutMs);
  await fns.source.stop();
  const dlq = (await drainQueue(account.clients, stack.queue.dlqUrl)).map(departureIdOf);
  const notifications = (await receivedReports(account.clients, stack.inbox.queueUrl)).map((r) => r.outcome);
  const result = classify(await checkPerson(account, person), departureId, new Set(dlq), notifications);
  return {
    injected: failure.injected,
    outcome: result.outcome,
    problems: result.problems,
    notifications,
    afterRun: await readUser(account, user),
    receiveCounts: fns.source.deliveries.map((d) => d.receiveCount),
    dlq: dlq.length,
    worker: workerFigures(fns.worker, fns.source),
  };
}
