/**
 * The revocation engine's one entry point: other areas import the engine from here, never its internals
 * (a Biome rule in biome.json enforces it). Every write path goes through these functions, so each one
 * records before writing, verifies by re-reading and returns a report the caller publishes.
 */

export { actions } from './actions';
export { type DenyTarget, denyInPlace, denyTargetOf, INLINE_DENY_POLICY_NAME } from './deny';
export {
  deactivateAccessKeys,
  KEY_DEACTIVATION_PERMISSIONS,
  type KeyDeactivation,
  type KeyRun,
} from './keys';
export { type ProtectionSubject, protectionReason } from './protection';
export { RESOLVE_PERMISSIONS, usersOfPerson } from './resolve';
export { type RestoreRequestInput, runRestore } from './restore';
export {
  combineOutcomes,
  type EngineDeps,
  endIdentityCenterSessions,
  type RevocationRequest,
  type RevocationTarget,
  runRevocation,
} from './revoke';
export { SNAPSHOT_PERMISSIONS, tagsToRecord } from './snapshot';
export {
  type BatchOptions,
  InvalidStateRecordError,
  listRevokedUsers,
  RESTORE_STATE_PERMISSIONS,
  type RevokedIndexEntry,
  STATE_PARTITIONS,
  STATE_PERMISSIONS,
  type Store,
  storeOf,
} from './state';
export { type RollUp, rollUp } from './steps';
export type * from './types';
export { VERIFY_PERMISSIONS } from './verify';
