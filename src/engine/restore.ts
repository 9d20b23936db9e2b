import { randomUUID } from 'node:crypto';
import { describeError, NothingToRestoreError } from '../errors';
import { type ActionContext, actionFor } from './actions';
import { denyInPlace } from './deny';
import { executePlan } from './execute';
import type { EngineDeps } from './revoke';
import { readUserSnapshot } from './snapshot';
import {
  putRecord,
  type RestoreRecord,
  type RevocationRecord,
  removeFromRevokedIndex,
  unrestoredRevocations,
} from './state';
import { numberSteps, rollUpSteps } from './steps';
import type { PlannedStep, PrincipalKind, RestoreReport, StepResult, Verification } from './types';

export interface RestoreRequestInput {
  readonly target: { readonly userName: string } | { readonly roleName: string };
  readonly reason: string;
  readonly requestedBy: string;
  readonly dryRun?: boolean;
}

/** What cannot come back of a step that has no undo (a deleted login profile, closed sessions). */
function irreversibleNote(step: PlannedStep, record: RevocationRecord): string | undefined {
  const action = actionFor(step.type);
  if (!action.irreversible) return undefined;
  const result = record.results?.find((r) => r.id === step.id);
  if (step.type === 'terminate-sessions' && result?.outcome === 'already') return undefined;
  return action.irreversible(step as never, record.principal);
}

/** The undo plan: each step this project executed, once, numbered (the executor orders the deny last). */
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
      else {
        const note = irreversibleNote(step, record);
        if (note) notRestored.push(note);
      }
    }
  }
  return { steps: numberSteps(steps, 'undo-'), notRestored };
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
        const attached = after.attachedPolicies.map((p) => p.policyArn);
        checks.push({
          check: 'deny removed',
          ok: !denyInPlace(attached, after.inlinePolicyNames, s.policyArn),
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

const outcomeOf = (dryRun: boolean, results: readonly StepResult[], verification?: Verification) => {
  if (dryRun) return 'planned' as const;
  const r = rollUpSteps(results, verification);
  return r === 'complete' ? ('restored' as const) : r;
};

/** Saves the restore record (it closes the records it undid) and takes a restored user out of the drift index. */
async function recordRestore(report: RestoreReport, deps: EngineDeps): Promise<void> {
  const store = { ddb: deps.clients.ddb, table: deps.config.stateTable };
  const record: RestoreRecord = {
    kind: 'restore',
    runId: report.runId,
    at: report.at,
    principal: report.principal,
    requestedBy: report.requestedBy,
    reason: report.reason,
    undoes: report.undoes,
    outcome: report.outcome,
    results: report.steps,
  };
  try {
    await putRecord(store, record);
    if (report.principal.kind === 'user' && report.outcome === 'restored') {
      await removeFromRevokedIndex(store, report.principal.name);
    }
  } catch (err) {
    (report.notes as string[]).push(
      `restore record not saved (${describeError(err)}): a new restore would repeat it`,
    );
  }
}

/**
 * Undoes what this project changed on a principal since its last restore, from the saved records: detaches
 * the deny it attached, reactivates exactly the credential ids it deactivated, removes a role's session deny,
 * tags the principal `restored`, and names what cannot come back. Returns the report; the caller publishes it.
 * @throws NothingToRestoreError when there is no unrestored revocation record for the principal.
 */
export async function runRestore(request: RestoreRequestInput, deps: EngineDeps): Promise<RestoreReport> {
  const kind: PrincipalKind = 'userName' in request.target ? 'user' : 'role';
  const name = 'userName' in request.target ? request.target.userName : request.target.roleName;
  const records = await unrestoredRevocations(
    { ddb: deps.clients.ddb, table: deps.config.stateTable },
    kind,
    name,
  );
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
  const { results } = await executePlan(steps, ctx, {
    dryRun,
    concurrency: deps.config.maxConcurrency,
    direction: 'undo',
  });
  const verification = dryRun || kind !== 'user' ? undefined : await verifyUserRestored(deps, name, steps);
  const report: RestoreReport = {
    kind: 'restore',
    runId,
    trigger: 'restore',
    target: { [kind === 'user' ? 'userName' : 'roleName']: name },
    reason: request.reason,
    requestedBy: request.requestedBy,
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: outcomeOf(dryRun, results, verification),
    principal,
    undoes: records.map((r) => r.runId),
    steps: results,
    ...(verification ? { verification } : {}),
    notRestored,
    notes: [],
  };
  if (!dryRun) await recordRestore(report, deps);
  return report;
}
