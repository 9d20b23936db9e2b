import type { Clients } from '../clients';
import {
  type EngineDeps,
  type RestoreReport,
  type RevocationReport,
  type RevocationTarget,
  runRestore,
  runRevocation,
} from '../engine';
import { NotFoundError } from '../errors';
import { logger } from '../logger';
import { publishOrNote, restoreNotification, revocationNotification } from '../notify';
import { operatorCall } from './http';
import { type LockdownRequest, parseLockdown, parseRestore } from './requests';

/** What lockdown and restore need: the engine's dependencies, and SNS for the report. */
export type OperatorDeps = Omit<EngineDeps, 'clients'> & {
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'ddb' | 'sns'>;
};

/** The one target key the (validated) request names. */
function lockdownTarget(t: LockdownRequest['target']): RevocationTarget {
  if (t.userName) return { userName: t.userName };
  if (t.accessKeyId) return { accessKeyId: t.accessKeyId };
  if (t.roleName) return { roleName: t.roleName };
  return t.employeeId ? { employeeId: t.employeeId } : { email: t.email as string };
}

/**
 * Incident lockdown of a user, an access key's owner, a role or a person, from a direct invoke or the
 * IAM-authorized `POST /ops/lockdown` (the verified caller recorded): validated before any AWS call; the report
 * is published on the topic and returned.
 * @throws InvalidRequestError for a malformed request; NotFoundError when the target names nothing.
 * @example
 * await lockdown({ target: { accessKeyId: 'AKIA...' }, reason: 'INC-42 key on GitHub', requestedBy: 'secops' }, deps);
 */
export async function lockdown(event: unknown, deps: OperatorDeps): Promise<RevocationReport> {
  const { request: input, caller } = operatorCall(event);
  const request = parseLockdown(input);
  logger.appendKeys({ trigger: 'lockdown' });
  const report = await runRevocation(
    {
      trigger: 'lockdown',
      mode: 'lockdown',
      target: lockdownTarget(request.target),
      reason: request.reason,
      requestedBy: request.requestedBy,
      caller,
      dryRun: request.dryRun,
      deleteLoginProfile: request.deleteLoginProfile,
      deactivateMfa: request.deactivateMfa,
    },
    deps,
  );
  await publishOrNote(
    deps.clients,
    deps.config.notifyTopicArn,
    revocationNotification(report),
    report.notes as string[],
  );
  if (report.outcome === 'not-found') {
    throw new NotFoundError(report.notes.join('; ') || 'the lockdown target names no IAM principal');
  }
  return report;
}

/**
 * Restores a user or role from its saved lockdown records; the report is published and returned.
 * @throws InvalidRequestError for a malformed request; NothingToRestoreError when there is no record.
 */
export async function restore(event: unknown, deps: OperatorDeps): Promise<RestoreReport> {
  const { request: input, caller } = operatorCall(event);
  const request = parseRestore(input);
  logger.appendKeys({ trigger: 'restore' });
  const { userName, roleName } = request.target;
  const report = await runRestore(
    { ...request, caller, target: userName ? { userName } : { roleName: roleName as string } },
    deps,
  );
  await publishOrNote(
    deps.clients,
    deps.config.notifyTopicArn,
    restoreNotification(report),
    report.notes as string[],
  );
  return report;
}
