import { type LockdownRequest, parseLockdown, parseRestore } from './engine/requests';
import { runRestore } from './engine/restore';
import { type EngineDeps, type RevocationTarget, runRevocation } from './engine/revoke';
import type { RestoreReport, RevocationReport } from './engine/types';
import { NotFoundError } from './errors';
import { logger } from './logger';

/** The one target key the (validated) request names. */
function lockdownTarget(t: LockdownRequest['target']): RevocationTarget {
  if (t.userName) return { userName: t.userName };
  if (t.accessKeyId) return { accessKeyId: t.accessKeyId };
  if (t.roleName) return { roleName: t.roleName };
  return t.employeeId ? { employeeId: t.employeeId } : { email: t.email as string };
}

/**
 * Incident lockdown of a user, an access key's owner, a role or a person: validated before any AWS call.
 * @throws InvalidRequestError for a malformed request; NotFoundError when the target names nothing.
 * @example
 * await lockdown({ target: { accessKeyId: 'AKIA...' }, reason: 'INC-42 key on GitHub', requestedBy: 'secops' }, deps);
 */
export async function lockdown(event: unknown, deps: EngineDeps): Promise<RevocationReport> {
  const request = parseLockdown(event);
  logger.appendKeys({ trigger: 'lockdown' });
  const report = await runRevocation(
    {
      trigger: 'lockdown',
      mode: 'lockdown',
      target: lockdownTarget(request.target),
      reason: request.reason,
      requestedBy: request.requestedBy,
      dryRun: request.dryRun,
      deleteLoginProfile: request.deleteLoginProfile,
      deactivateMfa: request.deactivateMfa,
    },
    deps,
  );
  if (report.outcome === 'not-found') {
    throw new NotFoundError(report.notes.join('; ') || 'the lockdown target names no IAM principal');
  }
  return report;
}

/**
 * Restores a user or role from its saved lockdown records.
 * @throws InvalidRequestError for a malformed request; NothingToRestoreError when there is no record.
 */
export async function restore(event: unknown, deps: EngineDeps): Promise<RestoreReport> {
  const request = parseRestore(event);
  logger.appendKeys({ trigger: 'restore' });
  const { userName, roleName } = request.target;
  return runRestore({ ...request, target: userName ? { userName } : { roleName: roleName as string } }, deps);
}
