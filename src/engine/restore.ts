import { randomUUID } from 'node:crypto';
import { describeError, NothingToRestoreError, ProtectedPrincipalError } from '../errors';
import { type ActionContext, actionFor } from './actions';
import { denyHolderOf, denyInPlace, denyTargetOf } from './deny';
import { executePlan } from './execute';
import { protectionReason } from './protection';
import { type EngineDeps, nameOf } from './revoke';
import { readRoleSnapshot, readUserSnapshot } from './snapshot';
import {
  InvalidStateRecordError,
  type PrincipalHistory,
  principalHistory,
  putRecord,
  type RestoreRecord,
  type RevocationRecord,
  removeFromRevokedIndex,
  storeOf,
} from './state';
import { numberSteps, rollUpSteps } from './steps';
import type {
  Caller,
  PlannedStep,
  PrincipalKind,
  PrincipalRef,
  RestoreReport,
  RoleSnapshot,
  StepResult,
  UserSnapshot,
  Verification,
} from './types';

export interface RestoreRequestInput {
  readonly target: { readonly userName: string } | { readonly roleName: string };
  /** The run to undo; absent, the latest unrestored lockdown of the principal. A departure must be named. */
  readonly runId?: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly dryRun?: boolean;
}

/** What a step changes, for matching the same change across runs. */
const changeOf = (step: PlannedStep, principal: PrincipalRef) =>
  step.type === 'tag-principal'
    ? step.type
    : `${step.type}|${actionFor(step.type).subject(step as never, principal)}`;

/**
 * The principal as IAM stores it, never a protected one.
 * @throws NotFoundError when it does not exist; ProtectedPrincipalError when it is protected.
 */
async function readPrincipal(
  kind: PrincipalKind,
  name: string,
  deps: EngineDeps,
): Promise<UserSnapshot | RoleSnapshot> {
  const snapshot =
    kind === 'user'
      ? await readUserSnapshot(deps.clients.iam, name, deps.now)
      : await readRoleSnapshot(deps.clients.iam, name, deps.now);
  const protectedBy = protectionReason(snapshot, deps.config);
  if (protectedBy) {
    throw new ProtectedPrincipalError(
      `${kind} ${nameOf(snapshot)} is protected (${protectedBy}): not restored`,
    );
  }
  return snapshot;
}

/**
 * The one run to undo: the run named, else the latest unrestored lockdown. A departure or a sweep run is undone
 * only when named.
 * @throws NothingToRestoreError naming what could be restored instead.
 */
function runToUndo(history: PrincipalHistory, principal: PrincipalRef, runId?: string): RevocationRecord {
  const unrestored = history.revocations.filter((r) => !history.restored.has(r.runId));
  const who = `${principal.kind} ${principal.name}`;
  if (runId) {
    const named = history.revocations.find((r) => r.runId === runId);
    if (!named) throw new NothingToRestoreError(`${who} has no revocation run ${runId}`);
    if (history.restored.has(runId))
      throw new NothingToRestoreError(`run ${runId} of ${who} is already restored`);
    return named;
  }
  const lockdown = unrestored.find((r) => r.trigger === 'lockdown');
  if (lockdown) return lockdown;
  const others = unrestored.map((r) => `${r.trigger} run ${r.runId} (${r.at})`);
  throw new NothingToRestoreError(
    others.length
      ? `${who} has no unrestored lockdown; to undo another run, name its runId: ${others.join('; ')}`
      : `nothing to restore for ${who}: every revocation run is restored`,
  );
}

/**
 * Checks a record's steps before anything is written: the deny it undoes is the configured deny policy, and
 * the deny group it names (if any) the configured deny group.
 * @throws InvalidStateRecordError
 */
function checkSteps(record: RevocationRecord, deps: EngineDeps): void {
  for (const step of record.plan) {
    if (step.type !== 'attach-deny') continue;
    if (step.policyArn !== deps.config.denyPolicyArn) {
      throw new InvalidStateRecordError(
        `run ${record.runId} names deny policy ${step.policyArn}, not DENY_POLICY_ARN ${deps.config.denyPolicyArn}: refused`,
      );
    }
    if (step.groupName !== undefined && step.groupName !== deps.config.denyGroupName) {
      throw new InvalidStateRecordError(
        `run ${record.runId} names deny group ${step.groupName}, not DENY_GROUP_NAME ${deps.config.denyGroupName ?? '(none)'}: refused`,
      );
    }
  }
}

/** The steps of the run that it marked `done` (every `todo` step when it recorded no results, with a note). */
function doneSteps(record: RevocationRecord, notes: string[]): PlannedStep[] {
  if (!record.results) {
    notes.push(
      `run ${record.runId} recorded no step results (it stopped early): every step it planned is undone`,
    );
    return record.plan.filter((s) => s.state === 'todo');
  }
  const done = new Set(record.results.filter((r) => r.outcome === 'done').map((r) => r.id));
  return record.plan.filter((s) => done.has(s.id));
}

/**
 * The undo plan of one run: each step it did, less what another unrestored run also holds (kept in force, with
 * why), and what cannot come back (named).
 */
function undoPlan(record: RevocationRecord, history: PrincipalHistory, notes: string[]) {
  const others = history.revocations.filter(
    (r) => r.runId !== record.runId && !history.restored.has(r.runId),
  );
  const heldBy = new Map<string, RevocationRecord>();
  for (const other of others) {
    for (const s of other.plan) if (s.state !== 'skip') heldBy.set(changeOf(s, other.principal), other);
  }
  const steps: PlannedStep[] = [];
  const keptInForce: string[] = [];
  const notRestored: string[] = [];
  for (const step of doneSteps(record, notes)) {
    const action = actionFor(step.type);
    const holder = heldBy.get(changeOf(step, record.principal));
    if (holder) {
      const what =
        step.type === 'tag-principal'
          ? 'offboarding:state=revoked'
          : action.subject(step as never, record.principal);
      keptInForce.push(`${what}: also held by the unrestored ${holder.trigger} run ${holder.runId}`);
    } else if (action.undo) steps.push(step);
    else if (action.irreversible) notRestored.push(action.irreversible(step as never, record.principal));
  }
  return { steps: numberSteps(steps, 'undo-'), keptInForce, notRestored };
}

/** Re-reads the user: the deny this restore removed is gone, the credentials it reactivated are Active. */
async function verifyUserRestored(
  deps: EngineDeps,
  userName: string,
  steps: readonly PlannedStep[],
): Promise<Verification> {
  try {
    const deny = denyTargetOf(deps.config);
    const after = await readUserSnapshot(deps.clients.iam, userName, deps.now, {
      readGroups: !!deny.groupName,
    });
    const checks: { check: string; ok: boolean; detail?: string }[] = [];
    for (const s of steps) {
      if (s.type === 'attach-deny') {
        // The policy, the deny group and an earlier version's inline deny: none may remain.
        checks.push({ check: 'deny removed', ok: !denyInPlace(denyHolderOf(after), deny) });
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

const outcomeOf = (dryRun: boolean, results: readonly StepResult[], verification?: Verification) => {
  if (dryRun) return 'planned' as const;
  const r = rollUpSteps(results, verification);
  return r === 'complete' ? ('restored' as const) : r;
};

/**
 * Saves the restore record (it marks the run restored when complete) and takes the user out of the drift index
 * when no unrestored run of it remains.
 */
async function recordRestore(report: RestoreReport, stillRevoked: boolean, deps: EngineDeps): Promise<void> {
  const record: RestoreRecord = {
    kind: 'restore',
    runId: report.runId,
    at: report.at,
    principal: report.principal,
    requestedBy: report.requestedBy,
    ...(report.caller ? { caller: report.caller } : {}),
    reason: report.reason,
    undoes: report.undoes,
    outcome: report.outcome,
    results: report.steps,
  };
  try {
    await putRecord(storeOf(deps), record);
    if (report.principal.kind === 'user' && report.outcome === 'restored' && !stillRevoked) {
      await removeFromRevokedIndex(storeOf(deps), report.principal.name);
    }
  } catch (err) {
    (report.notes as string[]).push(
      `restore record not saved (${describeError(err)}): a new restore would repeat it`,
    );
  }
}

/**
 * Undoes one run of this project on a principal, from its saved record: the run named by `runId`, else the
 * latest unrestored lockdown (a departure or a sweep run only when named). Only the steps that run marked
 * `done` are undone, and never a change another unrestored run also holds (a departure stays in force through
 * a lockdown's restore). Every record is parsed and checked before anything is written. Returns the report;
 * the caller publishes it.
 * @throws NotFoundError (no such user or role), ProtectedPrincipalError, NothingToRestoreError,
 *   InvalidStateRecordError (a record of another shape or principal): nothing is written.
 */
export async function runRestore(request: RestoreRequestInput, deps: EngineDeps): Promise<RestoreReport> {
  const kind: PrincipalKind = 'userName' in request.target ? 'user' : 'role';
  const snapshot = await readPrincipal(
    kind,
    'userName' in request.target ? request.target.userName : request.target.roleName,
    deps,
  );
  const principal: PrincipalRef = { kind, name: nameOf(snapshot), arn: snapshot.arn };
  const history = await principalHistory(storeOf(deps), principal);
  const record = runToUndo(history, principal, request.runId);
  for (const r of history.revocations) checkSteps(r, deps);
  const notes: string[] = [];
  const { steps, keptInForce, notRestored } = undoPlan(record, history, notes);

  const runId = randomUUID();
  const dryRun = deps.config.dryRun || request.dryRun === true;
  const ctx: ActionContext = { principal, clients: deps.clients, now: deps.now, runId };
  const { results } = await executePlan(steps, ctx, {
    dryRun,
    concurrency: deps.config.maxConcurrency,
    direction: 'undo',
  });
  const verification =
    dryRun || kind !== 'user' ? undefined : await verifyUserRestored(deps, principal.name, steps);
  const report: RestoreReport = {
    kind: 'restore',
    runId,
    trigger: 'restore',
    ...(deps.accountId ? { accountId: deps.accountId } : {}),
    target: {
      [kind === 'user' ? 'userName' : 'roleName']: principal.name,
      ...(request.runId ? { runId: request.runId } : {}),
    },
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: outcomeOf(dryRun, results, verification),
    principal,
    undoes: [record.runId],
    restored: { trigger: record.trigger, mode: record.mode },
    steps: results,
    ...(verification ? { verification } : {}),
    keptInForce,
    notRestored,
    notes,
  };
  const stillRevoked = history.revocations.some(
    (r) => r.runId !== record.runId && !history.restored.has(r.runId),
  );
  if (!dryRun) await recordRestore(report, stillRevoked, deps);
  return report;
}
