import { randomBytes } from 'node:crypto';
import type { Account, ScenarioStack, SeededPerson, SeededRole } from './account';
import { adminInputs } from './admin-inputs';
import { httpStatus } from './common';
import { type HostileKind, hostileRecipes } from './hostile';
import type { LambdaFunction } from './lambda';
import { departureIdOf, drainQueue } from './verify';
import { acknowledgedDepartureIds, apiEvent } from './webhook-events';

/**
 * Scenario 4 (and the lockdowns of scenario 5): hostile requests through the real hr-webhook handler with a
 * real moto queue behind it, malformed lockdown/restore invocations through the real handlers, and valid
 * lockdowns aimed at protected principals. No faults are injected here, so any 5xx is the code's own.
 * Never bundled into a handler.
 */

export interface KindFigures {
  requests: number;
  asExpected: number;
  fiveXx: number;
  statuses: Record<string, number>;
}

export interface WebhookMismatch {
  readonly kind: HostileKind;
  readonly variant: string;
  readonly provider: string;
  readonly expected: number;
  readonly got: number | string;
}

export interface HostileWebhookResult {
  readonly requests: number;
  readonly asExpected: number;
  readonly fiveXx: number;
  readonly byKind: Record<string, KindFigures>;
  readonly mismatches: readonly WebhookMismatch[];
  /** Messages on the queue after the run. */
  readonly queued: number;
  /**
   * ...of which no validly signed request was acknowledged for (a 202 naming it; for Okta, an empty 200 to a
   * request whose departure the contract queues).
   */
  readonly unsignedQueued: number;
  /** Departures validly signed requests were acknowledged for (as above) that are not on the queue. */
  readonly acceptedNotQueued: number;
  readonly durationMs: number;
}

export async function runHostileWebhook(
  account: Account,
  stack: ScenarioStack,
  webhook: LambdaFunction,
  options: { requests: number; seed: number },
): Promise<HostileWebhookResult> {
  const started = Date.now();
  const recipes = hostileRecipes(options.requests, options.seed);
  const byKind: Record<string, KindFigures> = {};
  const mismatches: WebhookMismatch[] = [];
  const signedAccepted = new Set<string>();
  let fiveXx = 0;
  let asExpected = 0;
  for (const r of recipes) {
    const token = randomBytes(8).toString('hex');
    const request = r.build(new Date(), token);
    const result = await webhook.invoke(apiEvent(request));
    const status = httpStatus(result);
    const k = byKind[r.kind] ?? { requests: 0, asExpected: 0, fiveXx: 0, statuses: {} };
    byKind[r.kind] = k;
    k.requests++;
    k.statuses[String(status)] = (k.statuses[String(status)] ?? 0) + 1;
    // A crash, timeout or thrown error is what API Gateway answers 5xx for.
    const isFiveXx = typeof status !== 'number' || status >= 500;
    if (isFiveXx) {
      fiveXx++;
      k.fiveXx++;
    }
    if (status === r.expected) {
      asExpected++;
      k.asExpected++;
    } else {
      mismatches.push({
        kind: r.kind,
        variant: r.variant,
        provider: r.provider,
        expected: r.expected,
        got: status,
      });
    }
    // The ids a validly signed request was acknowledged for: a 202's; for Okta, whose empty 200 also answers
    // a delivery with nothing to queue, the events sent, and only when the recipe's contract queues them.
    if (result.status === 'ok' && r.validlySigned && (r.provider !== 'okta' || r.queues)) {
      for (const id of acknowledgedDepartureIds(r.provider, request, result.value) ?? [])
        signedAccepted.add(id);
    }
  }
  const queuedIds = (await drainQueue(account.clients, stack.queue.url)).map(departureIdOf);
  const queued = new Set(queuedIds);
  return {
    requests: recipes.length,
    asExpected,
    fiveXx,
    byKind,
    mismatches,
    queued: queuedIds.length,
    unsignedQueued: queuedIds.filter((id) => !signedAccepted.has(id)).length,
    acceptedNotQueued: [...signedAccepted].filter((id) => !queued.has(id)).length,
    durationMs: Date.now() - started,
  };
}

export interface AdminResult {
  readonly invocations: number;
  readonly byHandler: Record<string, number>;
  /** Invocations that failed with InvalidRequestError, as required. */
  readonly invalidRequestErrors: number;
  readonly otherOutcomes: readonly { handler: string; defect: string; got: string }[];
  readonly defects: Record<string, number>;
  /** AWS requests (any) and writes the proxy saw while these ran. */
  readonly awsRequests: number;
  readonly awsWrites: number;
  readonly durationMs: number;
}

export async function runMalformedAdmin(
  stack: ScenarioStack,
  fns: { lockdown: LambdaFunction; restore: LambdaFunction },
  options: { inputs: number; seed: number },
): Promise<AdminResult> {
  const started = Date.now();
  const before = stack.proxy.log.length;
  const inputs = adminInputs(options.inputs, options.seed);
  const otherOutcomes: AdminResult['otherOutcomes'][number][] = [];
  const byHandler: Record<string, number> = {};
  const defects: Record<string, number> = {};
  let invalid = 0;
  for (const input of inputs) {
    byHandler[input.handler] = (byHandler[input.handler] ?? 0) + 1;
    defects[input.defect] = (defects[input.defect] ?? 0) + 1;
    const r = await fns[input.handler].invoke(input.event);
    if (r.status === 'error' && r.errorType === 'InvalidRequestError') invalid++;
    else {
      otherOutcomes.push({
        handler: input.handler,
        defect: input.defect,
        got: r.status === 'error' ? `${r.errorType}: ${r.errorMessage}` : r.status,
      });
    }
  }
  const during = stack.proxy.log.slice(before);
  return {
    invocations: inputs.length,
    byHandler,
    invalidRequestErrors: invalid,
    otherOutcomes,
    defects,
    awsRequests: during.length,
    awsWrites: during.filter((e) => e.write).length,
    durationMs: Date.now() - started,
  };
}

export interface ProtectedLockdownResult {
  readonly attempts: readonly { target: string; outcome: string }[];
  /** Writes the proxy saw naming a protected principal while these ran. */
  readonly protectedWrites: number;
}

/** Valid lockdowns aimed at protected principals: each must report `protected` and write nothing to them. */
export async function runProtectedLockdowns(
  account: Account,
  stack: ScenarioStack,
  lockdown: LambdaFunction,
  targets: { users: readonly SeededPerson[]; roles: readonly SeededRole[] },
): Promise<ProtectedLockdownResult> {
  const before = stack.proxy.log.length;
  const events: { target: Record<string, string>; label: string }[] = [];
  for (const p of targets.users) {
    for (const u of p.users.filter((x) => x.protection !== 'none')) {
      events.push({ target: { userName: u.userName }, label: `userName ${u.userName} (${u.protection})` });
      const key = u.keys[0];
      if (key)
        events.push({ target: { accessKeyId: key.accessKeyId }, label: `accessKeyId of ${u.userName}` });
    }
    if (p.users.every((u) => u.protection !== 'none')) {
      events.push({ target: { email: p.email }, label: `email of ${p.employeeId} (only protected users)` });
    }
  }
  for (const r of targets.roles) {
    events.push({ target: { roleName: r.roleName }, label: `roleName ${r.roleName} (${r.protection})` });
  }
  const attempts: { target: string; outcome: string }[] = [];
  for (const e of events) {
    const r = await lockdown.invoke<{ outcome?: string }>({
      target: e.target,
      reason: 'reliability: lockdown of a protected principal',
      requestedBy: 'reliability-suite',
    });
    attempts.push({
      target: e.label,
      outcome: r.status === 'ok' ? (r.value.outcome ?? '?') : r.status === 'error' ? r.errorType : r.status,
    });
  }
  const during = stack.proxy.log.slice(before);
  return {
    attempts,
    protectedWrites: during.filter(
      (e) =>
        e.write &&
        [e.userName, e.roleName, e.accessKeyId, e.sessionId].some(
          (v) => v !== undefined && account.protectedIds.has(v),
        ),
    ).length,
  };
}
