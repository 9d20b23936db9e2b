import type { Caller } from '../engine';
import { InvalidRequestError, NotFoundError } from '../errors';
import {
  type IdcDeps,
  type IdcRestoreReport,
  type IdcRevocationReport,
  restoreIdentityCenterUser,
  revokeIdentityCenterUser,
} from '../identity-center';
import { recordRun } from '../metrics';
import { idcRestoreNotification, idcRevocationNotification, publishOrNote } from '../notify';
import type { OperatorDeps } from './lockdown';
import type { LockdownRequest, RestoreRequest } from './requests';

/** The Identity Center dependencies of an operator run. @throws InvalidRequestError when not configured. */
async function idcOf(deps: OperatorDeps, runId: string): Promise<IdcDeps> {
  const idc = await deps.identityCenter?.(runId, deps.now);
  if (!idc) {
    throw new InvalidRequestError(
      'identityCenterUser: Identity Center is not configured (IDENTITY_STORE_ID and SSO_INSTANCE_ARN are empty)',
    );
  }
  return idc;
}

/**
 * Lockdown of an Identity Center user (`identityCenterUser`: userName or email): the deny on its id in every
 * permission set it can use, provisioned, then its assignments and memberships removed; published.
 * @throws InvalidRequestError when Identity Center is not configured; NotFoundError when no user matches.
 */
export async function lockdownIdcUser(
  request: LockdownRequest & { readonly target: { readonly identityCenterUser?: string } },
  caller: Caller,
  runId: string,
  deps: OperatorDeps,
): Promise<IdcRevocationReport> {
  const report = await revokeIdentityCenterUser(
    {
      trigger: 'lockdown',
      mode: 'lockdown',
      target: { identityCenterUser: request.target.identityCenterUser as string },
      runId,
      reason: request.reason,
      requestedBy: request.requestedBy,
      caller,
      ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
    },
    await idcOf(deps, runId),
  );
  const notes = [...report.notes];
  await publishOrNote(deps.clients, deps.config, idcRevocationNotification(report), notes);
  recordRun('lockdown', report.outcome);
  if (report.outcome === 'not-found')
    throw new NotFoundError(report.notes.join('; ') || 'no Identity Center user');
  return { ...report, notes };
}

/**
 * Restore of an Identity Center user from its saved record (the latest unrestored lockdown, or `runId`).
 * @throws InvalidRequestError when Identity Center is not configured; the restore's own errors otherwise.
 */
export async function restoreIdcUser(
  request: RestoreRequest,
  caller: Caller,
  runId: string,
  deps: OperatorDeps,
): Promise<IdcRestoreReport> {
  const report = await restoreIdentityCenterUser(
    {
      target: { identityCenterUser: request.target.identityCenterUser as string },
      ...(request.runId ? { runId: request.runId } : {}),
      reason: request.reason,
      requestedBy: request.requestedBy,
      caller,
      ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
    },
    await idcOf(deps, runId),
  );
  const notes = [...report.notes];
  await publishOrNote(deps.clients, deps.config, idcRestoreNotification(report), notes);
  recordRun('restore', report.outcome);
  return { ...report, notes };
}
