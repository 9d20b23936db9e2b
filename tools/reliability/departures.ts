import { createHash } from 'node:crypto';
import { type Account, type ScenarioStack, type SeededPerson, WEBHOOK_SECRETS } from './account';
import {
  type Functions,
  httpStatus,
  mapLimit,
  type ProxyFigures,
  proxyFigures,
  sleep,
  type WorkerFigures,
  workerFigures,
} from './common';
import {
  checkPerson,
  departureIdOf,
  drainQueue,
  idempotencyRecords,
  type PersonCheck,
  receivedReports,
} from './verify';
import { acknowledgedDepartureIds, departureDelivery } from './webhook-events';

/**
 * Scenario 1: one departure per person, each sent by its HR provider through the real hr-webhook handler,
 * queued on a real moto queue and delivered by the event source to the real revocation worker, with a
 * fraction of every AWS call faulted by the proxy (webhook and worker alike). Each person ends verified
 * revoked on moto's state, or their departure sits in the DLQ with a failure notification; anything else is
 * lost. People with only protected users must end untouched. Never bundled into a handler.
 */

/** A sender's retries on 503 (BambooHR 5, HiBob 6): it keeps the body and signs each attempt anew. */
const SENDER_ATTEMPTS = 6;

export type PersonOutcome =
  | 'revoked'
  | 'protected'
  | 'dlq-notified'
  | 'dlq-silent'
  | 'partial-not-retried'
  | 'lost'
  | 'protected-touched'
  | 'undelivered';

export interface PersonResult {
  readonly person: string;
  readonly departureId: string;
  readonly outcome: PersonOutcome;
  /**
   * Revoked in part (deny or a key), neither complete nor in the DLQ, and no notification said so (a
   * `partial-not-retried` departure was notified: it is lost, but not silently).
   */
  readonly halfDone: boolean;
  readonly notifications: readonly string[];
  readonly problems: readonly string[];
}

export interface DeparturesResult {
  readonly people: number;
  readonly users: number;
  readonly protectedUsers: number;
  readonly delivery: {
    readonly requests: number;
    readonly accepted: number;
    /**
     * Answers other than the provider's acknowledgement of a queued departure (202, Okta an empty 200): 503
     * under faults, each retried by the sender.
     */
    readonly retriedAnswers: Record<string, number>;
    readonly undelivered: number;
  };
  readonly worker: WorkerFigures;
  readonly proxy: ProxyFigures;
  readonly notifications: Record<string, number>;
  readonly dlq: number;
  /** Most notifications one departure received (each retried attempt that ran the engine sends one). */
  readonly maxNotificationsPerDeparture: number;
  /** Departures notified more than once, with the outcomes received. */
  readonly notifiedMoreThanOnce: readonly {
    readonly departureId: string;
    readonly outcomes: readonly string[];
  }[];
  /** Departures queued as more than one message (a SendMessageBatch retried after its answer was lost). */
  readonly queuedMoreThanOnce: number;
  /** `sns:Publish` requests the proxy reset after SNS had them (the publisher never learned it published). */
  readonly publishesResetAfterForward: number;
  /** Powertools idempotency records by status, and those saved without an in-progress expiry. */
  readonly idempotency: {
    readonly byStatus: Record<string, number>;
    readonly withoutInProgressExpiry: number;
  };
  readonly outcomes: Record<PersonOutcome, number>;
  readonly lost: number;
  readonly halfDoneSilently: number;
  readonly failures: readonly PersonResult[];
  /** Why departures went back to the queue, from the worker's log (empty when logs are not kept). */
  readonly retriedErrors: Record<string, number>;
  readonly durationMs: number;
}

const eventIdOf = (seed: number, person: SeededPerson) =>
  createHash('sha256').update(`${seed}:${person.employeeId}`).digest('hex').slice(0, 32);

export function classify(
  check: PersonCheck,
  departureId: string,
  dlqIds: ReadonlySet<string>,
  outcomes: readonly string[],
): PersonResult {
  const { person } = check;
  const revokeProblems = Object.entries(check.revoked).flatMap(([u, ps]) => ps.map((p) => `${u}: ${p}`));
  if (check.federatedConnected > 0) revokeProblems.push(`${check.federatedConnected} federated session(s)`);
  const touched = Object.entries(check.untouched).flatMap(([u, ps]) => ps.map((p) => `${u}: ${p}`));
  const toRevoke = Object.keys(check.revoked).length;
  let outcome: PersonOutcome;
  if (!departureId) outcome = 'undelivered';
  else if (touched.length) outcome = 'protected-touched';
  else if (toRevoke === 0) outcome = 'protected';
  else if (revokeProblems.length === 0) outcome = 'revoked';
  else if (dlqIds.has(departureId)) {
    outcome = outcomes.some((o) => o !== 'revoked') ? 'dlq-notified' : 'dlq-silent';
  } else if (outcomes.some((o) => o !== 'revoked')) outcome = 'partial-not-retried';
  else outcome = 'lost';
  return {
    person: person.employeeId,
    departureId,
    outcome,
    halfDone: outcome === 'lost' && check.anyRevocationVisible,
    notifications: outcomes,
    problems: [...touched, ...(outcome === 'revoked' ? [] : revokeProblems)],
  };
}

export interface DeparturesOptions {
  readonly faultRate: number;
  readonly seed: number;
  readonly webhookConcurrency: number;
  readonly drainTimeoutMs: number;
}

/** Runs scenario 1 on seeded people (see `seedPeople`) with the stack's functions. */
export async function runDepartures(
  account: Account,
  stack: ScenarioStack,
  fns: Functions,
  people: readonly SeededPerson[],
  options: DeparturesOptions,
): Promise<DeparturesResult> {
  const started = Date.now();
  fns.source.start();
  const retriedAnswers: Record<string, number> = {};
  let requests = 0;
  const departureIds = await mapLimit(people, options.webhookConcurrency, async (person) => {
    const delivery = departureDelivery(
      person.provider,
      person,
      eventIdOf(options.seed, person),
      WEBHOOK_SECRETS[person.provider],
      new Date(),
    );
    for (let attempt = 1; attempt <= SENDER_ATTEMPTS; attempt++) {
      requests++;
      const r = await fns.webhook.invoke(delivery.signedAt(new Date()));
      const status = httpStatus(r);
      // Every delivery here is one fresh departure event: the contract queues it, so Okta's empty 200 stands
      // for its one departure (`okta:<uuid>` of the event sent), as a 202 names it for the other providers.
      const ids =
        r.status === 'ok' ? acknowledgedDepartureIds(delivery.provider, delivery, r.value) : undefined;
      if (ids) return ids[0] ?? '';
      retriedAnswers[String(status)] = (retriedAnswers[String(status)] ?? 0) + 1;
      await sleep(200 * attempt);
    }
    return '';
  });
  await fns.source.drained(options.drainTimeoutMs);
  await fns.source.stop();

  const dlqIds = new Set((await drainQueue(account.clients, stack.queue.dlqUrl)).map(departureIdOf));
  const reports = await receivedReports(account.clients, stack.inbox.queueUrl);
  const byRun = new Map<string, string[]>();
  const notifications: Record<string, number> = {};
  for (const r of reports) {
    byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r.outcome]);
    notifications[r.outcome] = (notifications[r.outcome] ?? 0) + 1;
  }
  const idempotency = await idempotencyRecords(account.clients, stack.stateTable);
  const results: PersonResult[] = [];
  for (const [i, person] of people.entries()) {
    const id = departureIds[i] ?? '';
    results.push(classify(await checkPerson(account, person), id, dlqIds, byRun.get(id) ?? []));
  }
  const outcomes: Record<PersonOutcome, number> = {
    revoked: 0,
    protected: 0,
    'dlq-notified': 0,
    'dlq-silent': 0,
    'partial-not-retried': 0,
    lost: 0,
    'protected-touched': 0,
    undelivered: 0,
  };
  for (const r of results) outcomes[r.outcome]++;
  const users = people.flatMap((p) => p.users);
  return {
    people: people.length,
    users: users.length,
    protectedUsers: users.filter((u) => u.protection !== 'none').length,
    delivery: {
      requests,
      accepted: departureIds.filter(Boolean).length,
      retriedAnswers,
      undelivered: departureIds.filter((id) => !id).length,
    },
    worker: workerFigures(fns.worker, fns.source),
    proxy: proxyFigures(stack, options.faultRate),
    notifications,
    dlq: dlqIds.size,
    maxNotificationsPerDeparture: Math.max(0, ...[...byRun.values()].map((v) => v.length)),
    notifiedMoreThanOnce: [...byRun.entries()]
      .filter(([, v]) => v.length > 1)
      .map(([departureId, outcomes]) => ({ departureId, outcomes })),
    queuedMoreThanOnce: [
      ...fns.source.deliveries
        .reduce((acc, d) => {
          const id = departureIdOf(d.body);
          acc.set(id, (acc.get(id) ?? new Set<string>()).add(d.messageId));
          return acc;
        }, new Map<string, Set<string>>())
        .values(),
    ].filter((ids) => ids.size > 1).length,
    publishesResetAfterForward:
      stack.proxy.stats().faultsByOperation['sns:Publish']?.['reset-after-forward'] ?? 0,
    idempotency: {
      byStatus: idempotency.reduce<Record<string, number>>((acc, r) => {
        acc[r.status] = (acc[r.status] ?? 0) + 1;
        return acc;
      }, {}),
      withoutInProgressExpiry: idempotency.filter((r) => r.inProgressExpiration === undefined).length,
    },
    outcomes,
    // Lost: neither verified revoked (or rightly untouched) nor in the DLQ with a failure notification.
    lost: outcomes.lost + outcomes['partial-not-retried'] + outcomes['dlq-silent'] + outcomes.undelivered,
    halfDoneSilently: results.filter((r) => r.halfDone).length,
    failures: results.filter((r) => r.outcome !== 'revoked' && r.outcome !== 'protected'),
    retriedErrors: {},
    durationMs: Date.now() - started,
  };
}
