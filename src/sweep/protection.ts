import type { Config } from '../config';
import { protectionReason } from '../engine/protection';
import type { UserSnapshot } from '../engine/types';
import type { InventoryUser } from './inventory';

/**
 * Why a user known only from the inventory (name, ARN, tags) must not be touched, or undefined: the
 * engine's rules ({@link protectionReason}: `PROTECTED_PRINCIPALS` names and ARN globs, the protected tag),
 * applied to what the sweep has read, so the sweep and the engine can never disagree.
 */
export function userProtectionReason(
  user: Pick<InventoryUser, 'userName' | 'arn' | 'path' | 'tags' | 'userId'>,
  config: Pick<Config, 'protectedPrincipals' | 'protectedTagKey' | 'projectRolePrefix'>,
): string | undefined {
  const view: UserSnapshot = {
    kind: 'user',
    takenAt: '',
    userName: user.userName,
    userId: user.userId,
    arn: user.arn,
    path: user.path,
    attachedPolicies: [],
    inlinePolicyNames: [],
    accessKeys: [],
    loginProfile: null,
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
    serviceCredentials: [],
    tags: user.tags,
    sessionOwners: {},
    sessions: [],
    notes: [],
  };
  return protectionReason(view, config);
}
