import { randomUUID } from 'node:crypto';
import type { AccountAccess } from '../accounts/access';
import type { Clients } from '../clients';
import { fansOut } from '../config';
import {
  type EngineDeps,
  type RestoreReport,
  type RevocationReport,
  type RevocationRequest,
  type RevocationTarget,
  runRestore,
  runRevocation,
} from '../engine';
import { ConfigError, NotFoundError } from '../errors';
import { scheduleFollowUps } from '../follow-up';
import type { IdcDeps, IdcRestoreReport, IdcRevocationReport } from '../identity-center';
import { logger } from '../logger';
import { recordRun } from '../metrics';
import { publishOrNote, restoreNotification, revocationNotification } from '../notify';
import { acrossAccounts } from './across';
import { operatorCall } from './http';
import { lockdownIdcUser, restoreIdcUser } from './identity-center';
import { type LockdownRequest, parseLockdown, parseRestore } from './requests';

/**
 * What lockdown and restore need: the engine's dependencies, SNS for the report, and the way into another
 * account for a request naming `accountId`.
 */
export type OperatorDeps = Omit<EngineDeps, 'clients' | 'accountId'> & {
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'ddb' | 'sns'> & Partial<Pick<Clients, 'scheduler'>>;
  readonly access?: AccountAccess;
  /** The Identity Center dependencies of a run (undefined when not configured): `identityCenterDeps`. */
  readonly identityCenter?: (runId: string, now: Date) => Promise<IdcDeps | undefined>;
};

/**
 * The engine's dependencies in the account a request names: the function's own account when it names none
 * (or its own), else that account through the member role, the session named after the run.
 * @throws AccountUnreachableError when the member role cannot be assumed (nothing was changed).
 */
async function inAccount(
  deps: OperatorDeps,
  accountId: string | undefined,
  runId: string,
): Promise<EngineDeps> {
  const { access, ...engine } = deps;
  if (!accountId) return engine;
  if (!access)
    throw new ConfigError('this function cannot reach other accounts (no account access configured)');
  const scope = await access.open(accountId, runId);
  if (scope.home) return engine;
  return {
    ...engine,
    clients: { ...deps.clients, iam: scope.clients.iam, ssm: scope.clients.ssm },
    accountId: scope.accountId,
  };
}

const isPerson = (t: LockdownRequest['target']) => !!(t.employeeId || t.email);

/** What a report over several accounts says before any account answered. */
const skeletonOf = (r: RevocationRequest, deps: OperatorDeps) => ({
  kind: 'revocation' as const,
  trigger: r.trigger,
  mode: r.mode,
  dryRun: deps.config.dryRun || r.dryRun === true,
  target: Object.fromEntries(Object.entries(r.target).filter(([, v]) => v !== undefined)),
  reason: r.reason,
  requestedBy: r.requestedBy,
  ...(r.caller ? { caller: r.caller } : {}),
  at: deps.now.toISOString(),
});

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
export async function lockdown(
  event: unknown,
  deps: OperatorDeps,
): Promise<RevocationReport | IdcRevocationReport> {
  const { request: input, caller } = operatorCall(event);
  const request = parseLockdown(input);
  logger.appendKeys({ trigger: 'lockdown' });
  const runId = randomUUID();
  if (request.target.identityCenterUser) return lockdownIdcUser(request, caller, runId, deps);
  const revocation: RevocationRequest = {
    runId,
    trigger: 'lockdown',
    mode: 'lockdown',
    target: lockdownTarget(request.target),
    reason: request.reason,
    requestedBy: request.requestedBy,
    caller,
    dryRun: request.dryRun,
    deleteLoginProfile: request.deleteLoginProfile,
    deactivateMfa: request.deactivateMfa,
  };
  const report =
    isPerson(request.target) && !request.accountId && fansOut(deps.config) && deps.access
      ? await acrossAccounts(
          deps.config,
          deps.access,
          runId,
          (d) => runRevocation(revocation, d),
          (accountId) => inAccount(deps, accountId, runId),
          skeletonOf(revocation, deps),
        )
      : await runRevocation(revocation, await inAccount(deps, request.accountId, runId));
  // The CloudTrail follow-ups of a lockdown that changed something (FOLLOW_UP_MINUTES after it).
  (report.notes as string[]).push(...(await scheduleFollowUps(deps, report)));
  await publishOrNote(deps.clients, deps.config, revocationNotification(report), report.notes as string[]);
  recordRun(report.trigger, report.outcome);
  if (report.outcome === 'not-found') {
    throw new NotFoundError(report.notes.join('; ') || 'the lockdown target names no IAM principal');
  }
  return report;
}

/**
 * Restores a user or role from its saved lockdown records; the report is published and returned.
 * @throws InvalidRequestError for a malformed request; NothingToRestoreError when there is no record.
 */
export async function restore(event: unknown, deps: OperatorDeps): Promise<RestoreReport | IdcRestoreReport> {
  const { request: input, caller } = operatorCall(event);
  const request = parseRestore(input);
  logger.appendKeys({ trigger: 'restore' });
  if (request.target.identityCenterUser)
    return restoreIdcUser(request, caller, `restore-${randomUUID()}`, deps);
  const { userName, roleName } = request.target;
  const { accountId, ...rest } = request;
  const report = await runRestore(
    { ...rest, caller, target: userName ? { userName } : { roleName: roleName as string } },
    await inAccount(deps, accountId, request.runId ?? `restore-${randomUUID()}`),
  );
  await publishOrNote(deps.clients, deps.config, restoreNotification(report), report.notes as string[]);
  recordRun('restore', report.outcome);
  return report;
}
