/**
 * IAM Identity Center: the one entry point of the area. Revokes an Identity Center user as AWS documents it
 * (deny on `identitystore:userId` in the permission sets' inline policies, provisioned; assignments and group
 * memberships removed; the manual identity-provider step named) and restores it from the saved record. Every
 * function takes its clients and settings as parameters (`IdcDeps`); nothing reads the environment.
 */

import { idcActions } from './actions';
import { IDC_RESOLVE_PERMISSIONS } from './resolve';
import type { IdcStepType } from './schema';
import { IDC_SNAPSHOT_PERMISSIONS } from './snapshot';
import { IDC_RESTORE_STATE_PERMISSIONS, IDC_STATE_PERMISSIONS } from './state';

export { InlinePolicyError, PermissionSetBusyError } from './errors';
export {
  addRevokedIds,
  INLINE_POLICY_MAX_CHARS,
  MANAGED_SID,
  managedStatement,
  removeRevokedIds,
  revokedIdsIn,
  USER_ID_CONDITION_KEY,
} from './policy';
export { IDC_ROLE_PREFIX, idcProtectionReason, idcSessionOwner, isIdcSessionOwner } from './protection';
export { fitRevokedIds, MAX_SESSION_MS, PRUNE_MARGIN_MS, type PruneCandidate, prunableIds } from './prune';
export { findIdentityCenterUser } from './resolve';
export { type IdcRestoreRequest, restoreIdentityCenterUser } from './restore';
export { IDC_MANUAL_STEPS, type IdcRevocationRequest, revokeIdentityCenterUser } from './revoke';
export type {
  IdcRecord,
  IdcSnapshot,
  IdcStep,
  IdcStepResult,
  IdcStepType,
  IdcUser,
  IdcUserRef,
} from './schema';
export { IDC_STATE_PARTITIONS } from './state';
export { DEFAULT_TIMING } from './timing';
export type * from './types';

const forward: readonly IdcStepType[] = [
  'deny-permission-set',
  'provision-permission-set',
  'delete-account-assignment',
  'delete-group-membership',
];
const undo: readonly IdcStepType[] = [
  'create-group-membership',
  'create-account-assignment',
  'lift-deny-permission-set',
  'provision-permission-set',
];
const unique = (list: readonly string[]): readonly string[] => Object.freeze([...new Set(list)].sort());
const stepPermissions = (types: readonly IdcStepType[]) => types.flatMap((t) => idcActions[t].permissions);

/**
 * Every IAM action a revocation of an Identity Center user calls (resolution, snapshot, each forward step with
 * the lock and pruning, the records, the verification re-reads), sorted: grant exactly these, on the instance,
 * the identity store and the state table, to the functions that revoke (departure worker, lockdown, drift).
 */
export const IDC_REVOKE_PERMISSIONS = unique([
  ...IDC_RESOLVE_PERMISSIONS,
  ...IDC_SNAPSHOT_PERMISSIONS,
  ...stepPermissions(forward),
  ...IDC_STATE_PERMISSIONS,
]);

/** Every IAM action a restore of an Identity Center user calls, sorted: grant exactly these to `restore`. */
export const IDC_RESTORE_PERMISSIONS = unique([
  ...IDC_RESOLVE_PERMISSIONS,
  ...IDC_SNAPSHOT_PERMISSIONS.filter((a) => a !== 'sso:ListAccountsForProvisionedPermissionSet'),
  ...stepPermissions(undo),
  ...IDC_RESTORE_STATE_PERMISSIONS,
]);

/** True when Identity Center is configured (both `IDENTITY_STORE_ID` and `SSO_INSTANCE_ARN` set): otherwise make no call. */
export const isIdentityCenterConfigured = (settings: {
  readonly identityStoreId?: string | undefined;
  readonly instanceArn?: string | undefined;
}): boolean => !!settings.identityStoreId?.trim() && !!settings.instanceArn?.trim();
export { identityCenterConfigured, identityCenterDeps } from './deps';
export {
  IDC_DRIFT_PERMISSIONS,
  type IdcDriftFinding,
  type IdcDriftSweep,
  sweepIdentityCenterDrift,
} from './drift';
