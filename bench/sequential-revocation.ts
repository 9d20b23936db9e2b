import { randomUUID } from 'node:crypto';
import { actionFor } from '../src/engine/actions';
import { planUserRevocation } from '../src/engine/plan';
import { protectionReason } from '../src/engine/protection';
import { readKeyLastUse, readUserSnapshot } from '../src/engine/snapshot';
import { finishRevocationRecord, putRecord, revokedIndexEntry } from '../src/engine/state';
import type {
  PlannedStep,
  RevocationMode,
  RevocationReport,
  RunOutcome,
  SsmSessionInfo,
  StepResult,
} from '../src/engine/types';
import { verifyUser } from '../src/engine/verify';
import { describeError } from '../src/errors';
import { publish, revocationNotification } from '../src/notify';
import type { OperatorDeps } from '../src/operator/lockdown';

/**
 * The sequential peer of the containment benchmark: the same revocation of one user, the same plan and the
 * same AWS calls as the engine, but strictly one call at a time, the way a straightforward script would do
 * it: read each list one after another, save the record, read key last use, then run every step of the plan
 * in order through the engine's action registry, verify, complete the record, notify.
 */

interface Stackable {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware type differs per client
    add: (mw: any, options: { step: 'initialize'; name?: string; override?: boolean }) => void;
  };
}

/**
 * Makes the given SDK clients send one request at a time between them all: a call waits until the previous
 * one (retries included) has answered. Code written for concurrency then runs strictly in sequence.
 */
export function serializeCalls(clients: readonly unknown[]): void {
  let tail: Promise<void> = Promise.resolve();
  for (const client of clients as Stackable[]) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        const previous = tail;
        let release = () => {};
        tail = new Promise<void>((r) => {
          release = r;
        });
        await previous;
        try {
          return await next(args);
        } finally {
          release();
        }
      },
      { step: 'initialize', name: 'serializeCalls', override: true },
    );
  }
}

export interface SequentialRequest {
  readonly userName: string;
  readonly mode: RevocationMode;
  readonly reason: string;
  readonly requestedBy: string;
}

/**
 * Revokes one user strictly in sequence (the clients in `deps` must be serialized with
 * {@link serializeCalls}; the steps are run one after another here). Returns the same report shape as the
 * engine, and sends the same notification.
 */
export async function revokeSequentially(
  request: SequentialRequest,
  deps: OperatorDeps,
): Promise<RevocationReport> {
  const { config, clients, now } = deps;
  const runId = randomUUID();
  const snapshot = await readUserSnapshot(clients.iam, request.userName, now, {
    personTagKeys: config.personTagKeys,
  });
  const principal = { kind: 'user' as const, name: request.userName, arn: snapshot.arn };
  const base = {
    kind: 'revocation' as const,
    runId,
    trigger: 'departure' as const,
    mode: request.mode,
    dryRun: false,
    target: { userName: request.userName },
    reason: request.reason,
    requestedBy: request.requestedBy,
    at: now.toISOString(),
  };
  if (protectionReason(snapshot, config)) {
    throw new Error(`the sequential peer does not handle protected principals (${request.userName})`);
  }
  const plan: PlannedStep[] = planUserRevocation(snapshot, {
    mode: request.mode,
    trigger: 'departure',
    runId,
    now,
    denyPolicyArn: config.denyPolicyArn,
    sessionRegions: config.sessionRegions,
  });
  const store = { ddb: clients.ddb, table: config.stateTable };
  const record = {
    kind: 'revocation' as const,
    runId,
    trigger: 'departure' as const,
    mode: request.mode,
    at: now.toISOString(),
    principal,
    requestedBy: request.requestedBy,
    reason: request.reason,
    snapshot,
    plan,
    status: 'started' as const,
  };
  await putRecord(store, record);
  // The revoked-users index entry, as the engine writes it with the record (the sweep's drift check reads it).
  await putRecord(store, revokedIndexEntry(record));
  await readKeyLastUse(clients.iam, snapshot.accessKeys);

  const ctx = { principal, clients, now, runId };
  const results: StepResult[] = [];
  const sessions: SsmSessionInfo[] = [];
  for (const step of plan) {
    const subject = actionFor(step.type).subject(step as never, principal);
    const head = { id: step.id, type: step.type, subject };
    if (step.state !== 'todo') {
      results.push({ ...head, outcome: step.state === 'already' ? 'already' : 'skipped' });
      continue;
    }
    try {
      const out = await actionFor(step.type).execute(step as never, ctx);
      if (out.sessions) sessions.push(...out.sessions);
      results.push({ ...head, outcome: out.outcome, ...(out.detail ? { detail: out.detail } : {}) });
    } catch (err) {
      results.push({ ...head, outcome: 'failed', error: describeError(err) });
    }
  }
  const verification = await verifyUser(
    clients.iam,
    request.userName,
    plan,
    results,
    config.denyPolicyArn,
    now,
  );
  const failed = results.some((r) => r.outcome === 'failed');
  const outcome: RunOutcome = !failed && verification.ok ? 'revoked' : 'partial';
  await finishRevocationRecord(store, record, outcome, results);
  const report: RevocationReport = {
    ...base,
    finishedAt: new Date().toISOString(),
    outcome,
    principals: [{ principal, outcome, steps: results, verification, sessions, notes: [...snapshot.notes] }],
    notes: [],
  };
  await publish(clients, config, revocationNotification(report));
  return report;
}
