import { type Account, type ScenarioStack, type SeededPerson, WEBHOOK_SECRETS } from './account';
import {
  type Functions,
  httpStatus,
  type ProxyFigures,
  proxyFigures,
  type WorkerFigures,
  workerFigures,
} from './common';
import { checkPerson, departureIdOf, drainQueue, receivedReports, revocationRecords } from './verify';
import { departureDelivery } from './webhook-events';

/**
 * Scenario 2: the same signed departure delivered `copies` times at once to the real hr-webhook handler
 * (a sender retrying, or several integrations reporting one event), every copy queued, and the copies worked
 * by several worker environments at once. Counted on moto: revocation records in the state table, the deny
 * attachments the proxy saw, notifications in the subscriber queue. Never bundled into a handler.
 */

export interface DuplicatesResult {
  readonly copies: number;
  readonly accepted: number;
  readonly statuses: Record<string, number>;
  /** Distinct departure ids the webhook answered (1 when every copy is the same departure). */
  readonly departureIds: number;
  readonly queued: number;
  readonly worker: WorkerFigures;
  readonly proxy: ProxyFigures;
  /** Revocation records of the person's user (one per run that reached its first write). */
  readonly runs: number;
  /** `iam:AttachUserPolicy` requests naming the person's user that IAM served. */
  readonly denyWrites: number;
  readonly notifications: number;
  readonly notificationOutcomes: readonly string[];
  readonly dlq: number;
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly durationMs: number;
}

export async function runDuplicates(
  account: Account,
  stack: ScenarioStack,
  fns: Functions,
  person: SeededPerson,
  options: { copies: number; faultRate: number; drainTimeoutMs: number },
): Promise<DuplicatesResult> {
  const started = Date.now();
  const user = person.users[0];
  if (!user) throw new Error('the duplicated person has no user');
  const delivery = departureDelivery(
    'standard',
    person,
    'duplicate0departure',
    WEBHOOK_SECRETS.standard,
    new Date(),
  );
  const event = delivery.signedAt(new Date());
  fns.source.start();
  // Every copy at once: the webhook's environments take them as fast as they can.
  const answers = await Promise.all(Array.from({ length: options.copies }, () => fns.webhook.invoke(event)));
  const statuses: Record<string, number> = {};
  const ids = new Set<string>();
  for (const a of answers) {
    const s = String(httpStatus(a));
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (a.status === 'ok' && s === '202') {
      for (const id of (JSON.parse((a.value as { body?: string }).body ?? '{}') as { queued?: string[] })
        .queued ?? [])
        ids.add(id);
    }
  }
  await fns.source.drained(options.drainTimeoutMs);
  await fns.source.stop();

  const reports = await receivedReports(account.clients, stack.inbox.queueUrl);
  const records = await revocationRecords(account.clients, stack.stateTable, user.userName);
  const dlq = (await drainQueue(account.clients, stack.queue.dlqUrl)).map(departureIdOf);
  const check = await checkPerson(account, person);
  const problems = Object.entries(check.revoked).flatMap(([u, ps]) => ps.map((p) => `${u}: ${p}`));
  const denyWrites = stack.proxy.log.filter(
    (e) => e.operation === 'iam:AttachUserPolicy' && e.userName === user.userName && e.forwarded,
  ).length;
  return {
    copies: options.copies,
    accepted: statuses['202'] ?? 0,
    statuses,
    departureIds: ids.size,
    queued: fns.source.deliveries.filter((d) => d.receiveCount === 1).length,
    worker: workerFigures(fns.worker, fns.source),
    proxy: proxyFigures(stack, options.faultRate),
    runs: records.length,
    denyWrites,
    notifications: reports.length,
    notificationOutcomes: reports.map((r) => r.outcome),
    dlq: dlq.length,
    verified: problems.length === 0,
    problems,
    durationMs: Date.now() - started,
  };
}
