import { randomUUID } from 'node:crypto';
import type { Caller, RevocationMode, RunOutcome, Trigger } from '../engine';
import { describeError } from '../errors';
import { logger } from '../logger';
import type { IdcActionContext } from './actions';
import { executeIdcPlan, REVOCATION_PHASES, rollUpResults } from './execute';
import { planIdcRevocation } from './plan';
import { idcProtectionReason, idcSessionOwner } from './protection';
import { findIdentityCenterUser } from './resolve';
import type { IdcRevocationRecord, IdcSnapshot, IdcStep, IdcStepResult, IdcUser } from './schema';
import { readIdcSnapshot } from './snapshot';
import { finishIdcRecord, putIdcRecord } from './state';
import type { IdcDeps, IdcRevocationReport, IdcTarget } from './types';
import { reRead, verifyIdcRevocation } from './verify';

/** A revocation of an Identity Center user: a departure's (the person) or a lockdown's (`identityCenterUser`). */
export interface IdcRevocationRequest {
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  readonly target: IdcTarget;
  /** The run id (the departure id, or the lockdown's); a random one otherwise. */
  readonly runId?: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly caller?: Caller;
  /** Plan only; `deps.dryRun` wins when true. */
  readonly dryRun?: boolean;
}

/** What no API can do: Identity Center has no API to disable a user. Every revoked or planned run names them. */
export const IDC_MANUAL_STEPS: readonly string[] = Object.freeze([
  'disable the user in the identity provider (SCIM would re-add group memberships)',
  "in the IAM Identity Center console, delete the user's active sessions/disable the user",
]);

type Found = Pick<IdcRevocationReport, 'outcome' | 'notes'> & Partial<IdcRevocationReport>;

function reportOf(
  request: IdcRevocationRequest,
  runId: string,
  dryRun: boolean,
  deps: IdcDeps,
  found: Found,
): IdcRevocationReport {
  return {
    kind: 'identity-center-revocation',
    runId,
    trigger: request.trigger,
    mode: request.mode,
    dryRun,
    target: Object.fromEntries(Object.entries(request.target).filter(([, v]) => typeof v === 'string')),
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    steps: [],
    provisioning: [],
    manualSteps: [],
    ...found,
  };
}

/** The part of a report every run that reached the user carries: who, whose sessions, the manual steps. */
const reached = (user: IdcUser, deps: IdcDeps, snapshot: IdcSnapshot) => ({
  user: { userId: user.userId, userName: user.userName, identityStoreId: deps.identityStoreId },
  sessionOwner: idcSessionOwner(user.userName),
  manualSteps: IDC_MANUAL_STEPS,
  notes: [...snapshot.notes],
});

/** The run outcome of the steps and the re-read. */
function outcomeOf(results: readonly IdcStepResult[], verified: boolean): RunOutcome {
  const r = rollUpResults(results, verified);
  return r === 'complete' ? 'revoked' : r;
}

/**
 * The writes: the record and the revoked-id entry first (if they cannot be saved, nothing is changed), the plan
 * executed, Identity Center re-read, the record completed.
 */
async function executeRecorded(
  record: IdcRevocationRecord,
  ctx: IdcActionContext,
  deps: IdcDeps,
): Promise<Found> {
  const { user } = record;
  try {
    await Promise.all([
      putIdcRecord(deps, record),
      putIdcRecord(deps, { kind: 'idc-revoked-user', ...user, runId: record.runId, at: record.at }),
    ]);
  } catch (err) {
    return {
      outcome: 'failed',
      notes: [`nothing changed: the state record could not be written (${describeError(err)})`],
    };
  }
  const concurrency = deps.maxConcurrency ?? 4;
  const steps = await executeIdcPlan(record.plan, ctx, {
    dryRun: false,
    concurrency,
    phases: REVOCATION_PHASES,
  });
  const verification = await reRead(() => verifyIdcRevocation(deps, user, record.plan, ctx.provisioning));
  const outcome = outcomeOf(steps, verification.ok);
  const notes: string[] = [];
  await finishIdcRecord(deps, record, outcome, steps).catch((err) =>
    notes.push(
      `the state record could not be completed (${describeError(err)}); restore still works from it`,
    ),
  );
  return { outcome, steps, provisioning: [...ctx.provisioning], verification, notes };
}

function recordOf(
  request: IdcRevocationRequest,
  runId: string,
  snapshot: IdcSnapshot,
  plan: IdcStep[],
  deps: IdcDeps,
): IdcRevocationRecord {
  return {
    kind: 'idc-revocation',
    runId,
    trigger: request.trigger,
    mode: request.mode,
    at: deps.now.toISOString(),
    user: { userId: snapshot.user.userId, userName: snapshot.user.userName },
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    reason: request.reason,
    snapshot,
    plan,
    status: 'started',
  };
}

/**
 * Revokes an Identity Center user as AWS documents it, automated: snapshot saved before any write, the deny on
 * `identitystore:userId` in every permission set the user can use (provisioned, waited for), then the direct
 * assignments deleted and the group memberships removed; re-read to verify; the manual steps named. Returns
 * the report (`not-found` when no user matches, `protected`, `planned` in a dry run); never throws for a step.
 * @example
 * const report = await revokeIdentityCenterUser(
 *   { trigger: 'departure', mode: 'departure', target: { email: 'jane@example.com' }, runId, reason: 'resigned', requestedBy: 'hr:standard' },
 *   { identitystore, ssoAdmin, ddb, stateTable, identityStoreId, instanceArn, protectedPrincipals: [], dryRun: false, now },
 * );
 */
export async function revokeIdentityCenterUser(
  request: IdcRevocationRequest,
  deps: IdcDeps,
): Promise<IdcRevocationReport> {
  const runId = request.runId ?? randomUUID();
  const dryRun = deps.dryRun || request.dryRun === true;
  const report = (found: Found) => reportOf(request, runId, dryRun, deps, found);
  const user = await findIdentityCenterUser(deps, request.target);
  if (!user)
    return report({ outcome: 'not-found', notes: ['no Identity Center user has this userName or email'] });
  const snapshot = await readIdcSnapshot(deps, user);
  const known = reached(user, deps, snapshot);
  const protectedBy = idcProtectionReason(user, deps.protectedPrincipals);
  if (protectedBy) {
    logger.warn('protected identity center user not touched', { userId: user.userId, reason: protectedBy });
    return report({ outcome: 'protected', user: known.user, notes: [`protected: ${protectedBy}`] });
  }
  const plan = planIdcRevocation(snapshot);
  const ctx: IdcActionContext = { deps, user, runId, snapshot, provisioning: [] };
  if (dryRun) {
    const steps = await executeIdcPlan(plan, ctx, { dryRun: true, concurrency: 1, phases: [] });
    return report({ ...known, outcome: 'planned', steps });
  }
  const done = await executeRecorded(recordOf(request, runId, snapshot, plan, deps), ctx, deps);
  logger.info('identity center revocation finished', { runId, userId: user.userId, outcome: done.outcome });
  return report({ ...known, ...done, notes: [...known.notes, ...done.notes] });
}
