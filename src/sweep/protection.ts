import type { Config } from '../config';
import { protectionReason } from '../engine';
import type { SweptUser } from './users';

/**
 * Why a user known from the credential report and its tags (name, ARN, path, tags) must not be touched, or
 * undefined: the engine's rules ({@link protectionReason}: `PROTECTED_PRINCIPALS` names and ARN globs, the
 * protected tag), applied to what the sweep has read, so the sweep and the engine can never disagree.
 */
export function userProtectionReason(
  user: Pick<SweptUser, 'userName' | 'arn' | 'path' | 'tags'>,
  config: Pick<Config, 'protectedPrincipals' | 'protectedTagKey' | 'projectRolePrefix'>,
): string | undefined {
  return protectionReason(
    { kind: 'user', name: user.userName, arn: user.arn, path: user.path, tags: user.tags },
    config,
  );
}
