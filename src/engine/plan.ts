import { denyHolderOf, denyInPlace, denyTargetOf, ROLE_SESSION_DENY_POLICY_NAME } from './deny';
import { numberSteps } from './steps';
import type { PlannedStep, RevocationMode, RoleSnapshot, StepSpec, Trigger, UserSnapshot } from './types';

export interface PlanOptions {
  readonly mode: RevocationMode;
  readonly trigger: Trigger;
  readonly runId: string;
  readonly now: Date;
  readonly denyPolicyArn: string;
  /** The deny group (`DENY_GROUP_NAME`): the deny when the user's managed-policy quota is full. */
  readonly denyGroupName?: string | undefined;
  readonly sessionRegions: readonly string[];
  /** Lockdown only: also delete the console login profile (departures always do). */
  readonly deleteLoginProfile?: boolean;
  /** Lockdown only: also deactivate MFA devices (departures always do). */
  readonly deactivateMfa?: boolean;
}

const step = (spec: StepSpec, state: PlannedStep['state'], reason?: string): PlannedStep => ({
  ...spec,
  id: '',
  state,
  ...(reason ? { reason } : {}),
});

function stateTags(options: PlanOptions): Record<string, string> {
  return {
    'offboarding:state': 'revoked',
    'offboarding:run': options.runId,
    'offboarding:at': options.now.toISOString(),
    'offboarding:trigger': options.trigger,
  };
}

function sessionSteps(snapshot: UserSnapshot | RoleSnapshot, options: PlanOptions): PlannedStep[] {
  return options.sessionRegions.map((region) =>
    step({ type: 'terminate-sessions', region, owners: snapshot.sessionOwners, sessionIds: [] }, 'todo'),
  );
}

/**
 * The revocation of a user, in the documented order (docs/engine.md), from a snapshot and `now`. Pure: no I/O.
 * Steps the snapshot shows done are `already`; steps a lockdown keeps are `skip` with the reason.
 * @example
 * const plan = planUserRevocation(snapshot, { mode: 'departure', trigger: 'departure', runId, now, ... });
 */
export function planUserRevocation(snapshot: UserSnapshot, options: PlanOptions): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const deny = denyTargetOf(options);
  // The deny policy attached, the user in the deny group, or an earlier version's inline deny: in place.
  steps.push(
    step({ type: 'attach-deny', ...deny }, denyInPlace(denyHolderOf(snapshot), deny) ? 'already' : 'todo'),
  );

  for (const key of snapshot.accessKeys) {
    steps.push(
      step(
        { type: 'deactivate-access-key', accessKeyId: key.accessKeyId },
        key.status === 'Active' ? 'todo' : 'already',
      ),
    );
  }
  for (const key of snapshot.sshPublicKeys) {
    steps.push(
      step(
        { type: 'deactivate-ssh-key', sshPublicKeyId: key.sshPublicKeyId },
        key.status === 'Active' ? 'todo' : 'already',
      ),
    );
  }
  for (const cert of snapshot.signingCertificates) {
    steps.push(
      step(
        { type: 'deactivate-signing-certificate', certificateId: cert.certificateId },
        cert.status === 'Active' ? 'todo' : 'already',
      ),
    );
  }
  for (const cred of snapshot.serviceCredentials) {
    steps.push(
      step(
        {
          type: 'deactivate-service-credential',
          serviceSpecificCredentialId: cred.serviceSpecificCredentialId,
        },
        cred.status === 'Active' ? 'todo' : 'already',
      ),
    );
  }

  const closeConsole = options.mode === 'departure' || options.deleteLoginProfile === true;
  const keepReason = 'lockdown keeps it (the deny already blocks the console); ask with deleteLoginProfile';
  steps.push(
    step(
      { type: 'delete-login-profile' },
      snapshot.loginProfile === null ? 'already' : closeConsole ? 'todo' : 'skip',
      snapshot.loginProfile !== null && !closeConsole ? keepReason : undefined,
    ),
  );
  const dropMfa = options.mode === 'departure' || options.deactivateMfa === true;
  for (const device of snapshot.mfaDevices) {
    steps.push(
      step(
        { type: 'deactivate-mfa', serialNumber: device.serialNumber },
        dropMfa ? 'todo' : 'skip',
        dropMfa ? undefined : 'lockdown keeps MFA; ask with deactivateMfa',
      ),
    );
  }

  steps.push(...sessionSteps(snapshot, options));
  steps.push(step({ type: 'tag-principal', tags: stateTags(options) }, 'todo'));
  return numberSteps(steps);
}

/**
 * The lockdown of a role: the TokenIssueTime deny (dated `now`), its SSM sessions, the tag. Pure.
 */
export function planRoleRevocation(snapshot: RoleSnapshot, options: PlanOptions): PlannedStep[] {
  return numberSteps([
    step(
      {
        type: 'put-role-session-deny',
        policyName: ROLE_SESSION_DENY_POLICY_NAME,
        issuedBefore: options.now.toISOString(),
      },
      'todo',
    ),
    ...sessionSteps(snapshot, options),
    step({ type: 'tag-principal', tags: stateTags(options) }, 'todo'),
  ]);
}
