import { randomUUID } from 'node:crypto';
import { describeError, NothingToRestoreError } from '../errors';
import { logger } from '../logger';
import { publish, restoreNotification } from '../notify';
import { mapLimit } from '../util/concurrency';
import { type ActionContext, actionFor } from './actions';
import { INLINE_DENY_POLICY_NAME } from './actions/common';
import type { EngineDeps } from './revoke';
import { readUserSnapshot } from './snapshot';
import {
  principalKey,
  putRecord,
  type RevocationRecord,
  recordSortKey,
  removeFromRevokedIndex,
  unrestoredRevocations,
} from './state';
import type { PlannedStep, PrincipalKind, RestoreReport, StepResult, Verification } from './types';

export interface RestoreRequestInput {
  readonly target: { readonly userName: string } | { readonly roleName: string };
  readonly reason: string;
  readonly requestedBy: string;
  readonly dryRun?: boolean;
}

/** The undo plan: each step this project executed, once, in a safe order (deny removed last). */
function undoPlan(records: readonly RevocationRecord[]): { steps: PlannedStep[]; notRestored: string[] } {
  const seen = new Set<string>();
  const steps: PlannedStep[] = [];
  const notRestored: string[] = [];
  for (const record of [...records].reverse()) {
    for (const step of record.plan) {
      if (step.state !== 'todo') continue;
      const action = actionFor(step.type);
      const subject = action.subject(step as never, record.principal);
      const key = step.type === 'tag-principal' ? step.type : `${step.type}|${subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (action.undo) steps.push(step);
      else if (action.irreversible) {
        const result = record.results?.find((r) => r.id === step.id);
        const sessionsClosed = step.type === 'terminate-sessions' && result?.outcome === 'already';
        if (!sessionsClosed) notRestored.push(action.irreversible(step as never, record.principal));
      }
    }
  }
  const rank = (s: PlannedStep) =>
    s.type === 'tag-principal' ? 3 : s.type === 'attach-deny' || s.type === 'put-role-session-deny' ? 2 : 1;
  const ordered = steps
    .sort((a, b) => rank(a) - rank(b))
    .map((s, i) => ({ ...s, id: `${String(i + 1).padStart(2, '0')}-undo-${s.type}` }));
  return { steps: ordered, notRestored };
}

async function undoStep(step: PlannedStep, ctx: ActionContext): Promise<StepResult> {
  const action = actionFor(step.type);
  const base = { id: step.id, type: step.type, subject: action.subject(step as never, ctx.principal) };
  const started = performance.now();
  try {
    const out = await (action.undo as NonNullable<typeof action.undo>).execute(step as never, ctx);
    return {
      ...base,
      outcome: out.outcome,
      ...(out.detail ? { detail: out.detail } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    return {
      ...base,
      outcome: 'failed',
      error: describeError(err),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Re-reads the user: the deny this project attached is gone, the credentials it deactivated are Active. */
async function verifyUserRestored(
  deps: EngineDeps,
  userName: string,
  steps: readonly PlannedStep[],
): Promise<Verification> {
  try {
    const after = await readUserSnapshot(deps.clients.iam, userName, deps.now);
    const checks: { check: string; ok: boolean; detail?: string }[] = [];
    for (const s of steps) {
      if (s.type === 'attach-deny') {
        checks.push({
          check: 'deny removed',
          ok:
            !after.attachedPolicies.some((p) => p.policyArn === s.policyArn) &&
            !after.inlinePolicyNames.includes(INLINE_DENY_POLICY_NAME),
        });
      }
      if (s.type === 'deactivate-access-key') {
        const key = after.accessKeys.find((k) => k.accessKeyId === s.accessKeyId);
        checks.push({ check: `access key ${s.accessKeyId} Active`, ok: !key || key.status === 'Active' });
      }
    }
    return { ok: checks.every((c) => c.ok), checks };
  } catch (err) {
    return { ok: false, checks: [{ check: 're-read the user', ok: false, detail: describeError(err) }] };
  }
}

/**
 * Undoes what this project changed on a principal since its last restore, from the saved records: detaches
 * the deny it attached, reactivates exactly the credential ids it deactivated, removes a role's session deny,
 * tags the principal `restored`, and names what cannot come back.
 * @throws NothingToRestoreError when there is no unrestored revocation record for the principal.
 */
export async function runRestore(request: RestoreRequestInput, deps: EngineDeps): Promise<RestoreReport> {
  const kind: PrincipalKind = 'userName' in request.target ? 'user' : 'role';
  const name = 'userName' in request.target ? request.target.userName : request.target.roleName;
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  const records = await unrestoredRevocations(store, kind, name);
  if (!records.length) {
    throw new NothingToRestoreError(
      `nothing to restore for ${kind} ${name}: no revocation record since its last restore in ${deps.config.stateTable}`,
    );
  }
  const runId = randomUUID();
  const dryRun = deps.config.dryRun || request.dryRun === true;
  const principal = (records[0] as RevocationRecord).principal;
  const ctx: ActionContext = { principal, clients: deps.clients, now: deps.now, runId };
  const { steps, notRestored } = undoPlan(records);

  let results: StepResult[];
  if (dryRun) {
    results = steps.map((s) => ({
      id: s.id,
      type: s.type,
      subject: actionFor(s.type).subject(s as never, principal),
      outcome: 'planned',
    }));
  } else {
    const first: PlannedStep[] = steps.filter(
      (s) => s.type !== 'tag-principal' && s.type !== 'attach-deny' && s.type !== 'put-role-session-deny',
    );
    const rest = steps.filter((s) => !first.includes(s));
    results = await mapLimit(first, deps.config.maxConcurrency, (s) => undoStep(s, ctx));
    for (const s of rest) results.push(await undoStep(s, ctx));
  }
  const verification = dryRun || kind !== 'user' ? undefined : await verifyUserRestored(deps, name, steps);
  const failed = results.filter((r) => r.outcome === 'failed').length;
  const outcome: RestoreReport['outcome'] = dryRun
    ? 'planned'
    : failed === 0 && verification?.ok !== false
      ? 'restored'
      : failed === results.length
        ? 'failed'
        : 'partial';
  const report: RestoreReport = {
    kind: 'restore',
    runId,
    trigger: 'restore',
    target: { [kind === 'user' ? 'userName' : 'roleName']: name },
    reason: request.reason,
    requestedBy: request.requestedBy,
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome,
    principal,
    undoes: records.map((r) => r.runId),
    steps: results,
    ...(verification ? { verification } : {}),
    notRestored,
    notes: [],
  };
  if (!dryRun) {
    try {
      await putRecord(store, {
        pk: principalKey(kind, name),
        // `~` sorts after any run id: a restore stays newer than a revocation stamped the same millisecond.
        sk: recordSortKey(deps.now.toISOString(), `~restore#${runId}`),
        kind: 'restore',
        runId,
        at: deps.now.toISOString(),
        principal,
        requestedBy: request.requestedBy,
        reason: request.reason,
        undoes: report.undoes,
        outcome,
        results,
      });
      if (kind === 'user' && outcome === 'restored') await removeFromRevokedIndex(store, name);
    } catch (err) {
      (report.notes as string[]).push(
        `restore record not saved (${describeError(err)}): a new restore would repeat it`,
      );
    }
  }
  try {
    await publish(deps.clients, deps.config.notifyTopicArn, restoreNotification(report));
  } catch (err) {
    logger.error('notification failed', { runId, error: describeError(err) });
    (report.notes as string[]).push(`notification failed: ${describeError(err)}`);
  }
  return report;
}
