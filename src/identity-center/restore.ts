import { randomUUID } from 'node:crypto';
import { type Caller, InvalidStateRecordError } from '../engine';
import { describeError, NotFoundError, NothingToRestoreError, ProtectedPrincipalError } from '../errors';
import { logger } from '../logger';
import type { IdcActionContext } from './actions';
import { executeIdcPlan, RESTORE_PHASES, rollUpResults } from './execute';
import { type IdcRestorePlan, planIdcRestore } from './plan';
import { idcProtectionReason } from './protection';
import { findIdentityCenterUser } from './resolve';
import type { IdcRestoreRecord, IdcRevocationRecord, IdcStepResult, IdcUser } from './schema';
import { assignmentsOf, membershipsOf } from './snapshot';
import { type IdcHistory, idcHistory, putIdcRecord, removeRevokedUserEntry } from './state';
import type { IdcDeps, IdcRestoreReport, IdcTarget } from './types';
import { reRead, verifyIdcRestore } from './verify';

/** A restore of an Identity Center user: the undo of one revocation run. */
export interface IdcRestoreRequest {
  /** `{ identityCenterUser }` (userName or email), or a person. */
  readonly target: IdcTarget;
  /** The run to undo; absent: the latest unrestored lockdown (a departure is undone only when named). */
  readonly runId?: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly dryRun?: boolean;
  /** This restore's own run id; a random one otherwise. */
  readonly restoreRunId?: string;
}

/** What a restore cannot bring back, said in every restore report. */
const NOT_RESTORED = [
  'role sessions the deny ended and SSM sessions the revocation terminated: the user signs in again',
  'a user disabled in the identity provider or in the IAM Identity Center console: enable it there',
];

/**
 * The run to undo: the one named (known, not restored yet), else the latest unrestored lockdown. A record of
 * another Identity Center instance is refused.
 * @throws NothingToRestoreError, InvalidStateRecordError
 */
function pickRun(history: IdcHistory, runId: string | undefined, deps: IdcDeps): IdcRevocationRecord {
  const unrestored = history.revocations.filter((r) => !history.restored.has(r.runId));
  const run = runId
    ? unrestored.find((r) => r.runId === runId)
    : // A lockdown an operator asked for: never a departure, nor the sweep's drift re-revocation of a departed user.
      unrestored.find((r) => r.trigger === 'lockdown');
  if (!run) {
    const named = unrestored.map((r) => `${r.runId} (${r.trigger})`).join(', ');
    throw new NothingToRestoreError(
      runId
        ? `run ${runId} is unknown for this Identity Center user or already restored`
        : `no unrestored lockdown of this Identity Center user${named ? `; name one of these runs by runId: ${named}` : ''}`,
    );
  }
  if (run.snapshot.instanceArn !== deps.instanceArn || run.snapshot.user.userId !== run.user.userId) {
    throw new InvalidStateRecordError(
      `state record of run ${run.runId} is of another Identity Center instance or user: refused`,
    );
  }
  return run;
}

function outcomeOf(
  results: readonly IdcStepResult[],
  verified: boolean,
  plan: IdcRestorePlan,
): IdcRestoreReport['outcome'] {
  const r = rollUpResults(results, verified);
  if (r === 'complete') return plan.heldBack ? 'partial' : 'restored';
  return r;
}

/** The user, its history and the run to undo; protection and an unknown user refused before any write. */
async function prepare(request: IdcRestoreRequest, deps: IdcDeps) {
  const user: IdcUser | undefined = await findIdentityCenterUser(deps, request.target);
  if (!user) throw new NotFoundError('no Identity Center user has this userName or email');
  const protectedBy = idcProtectionReason(user, deps.protectedPrincipals);
  if (protectedBy)
    throw new ProtectedPrincipalError(`Identity Center user ${user.userName} is protected: ${protectedBy}`);
  const history = await idcHistory(deps, user);
  const run = pickRun(history, request.runId, deps);
  const others = history.revocations.filter((r) => r.runId !== run.runId && !history.restored.has(r.runId));
  const [assignments, memberships] = await Promise.all([
    assignmentsOf(deps, 'USER', user.userId),
    membershipsOf(deps, user.userId),
  ]);
  return { user, run, others, plan: planIdcRestore(run, others, { assignments, memberships }) };
}

/**
 * Undoes one Identity Center revocation from its saved record: memberships and direct assignments re-created,
 * the id lifted from each permission set's statement (the policy back to its snapshot when nothing else changed
 * it), each set provisioned again; never what another unrestored run still holds (`keptInForce`). Re-reads to
 * verify, records the restore, and leaves the revoked-ids partition once no unrestored run remains.
 * @throws NotFoundError, ProtectedPrincipalError, NothingToRestoreError, InvalidStateRecordError (before any write)
 */
export async function restoreIdentityCenterUser(
  request: IdcRestoreRequest,
  deps: IdcDeps,
): Promise<IdcRestoreReport> {
  const runId = request.restoreRunId ?? randomUUID();
  const dryRun = deps.dryRun || request.dryRun === true;
  const { user, run, others, plan } = await prepare(request, deps);
  const ref = { userId: user.userId, userName: user.userName };
  const ctx: IdcActionContext = { deps, user: ref, runId, snapshot: run.snapshot, provisioning: [] };
  const concurrency = deps.maxConcurrency ?? 4;
  const steps = await executeIdcPlan(plan.steps, ctx, {
    dryRun,
    concurrency,
    phases: dryRun ? [] : RESTORE_PHASES,
  });
  const verification = dryRun
    ? undefined
    : await reRead(() => verifyIdcRestore(deps, ref, plan.steps, steps, ctx.provisioning));
  const outcome = verification ? outcomeOf(steps, verification.ok, plan) : 'planned';
  const notes: string[] = plan.heldBack
    ? [`${plan.heldBack} memberships or assignments held back: restore the newer run first`]
    : [];
  if (outcome !== 'planned') {
    const record: IdcRestoreRecord = {
      kind: 'idc-restore',
      runId,
      at: deps.now.toISOString(),
      user: ref,
      requestedBy: request.requestedBy,
      ...(request.caller ? { caller: request.caller } : {}),
      reason: request.reason,
      undoes: [run.runId],
      outcome,
      results: steps,
    };
    await putIdcRecord(deps, record).catch((err) =>
      notes.push(`the restore record could not be written (${describeError(err)})`),
    );
    if (outcome === 'restored' && !others.length) {
      await removeRevokedUserEntry(deps, user.userId).catch((err) =>
        notes.push(
          `the revoked-id entry could not be removed (${describeError(err)}): pruning may drop the id later`,
        ),
      );
    }
  }
  logger.info('identity center restore finished', { runId, undoes: run.runId, outcome });
  return {
    kind: 'identity-center-restore',
    runId,
    dryRun,
    target: Object.fromEntries(Object.entries(request.target).filter(([, v]) => typeof v === 'string')),
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome,
    user: { ...ref, identityStoreId: deps.identityStoreId },
    undoes: [run.runId],
    restored: { trigger: run.trigger, mode: run.mode },
    keptInForce: plan.keptInForce,
    steps,
    provisioning: [...ctx.provisioning],
    ...(verification ? { verification } : {}),
    notRestored: NOT_RESTORED,
    notes,
  };
}
