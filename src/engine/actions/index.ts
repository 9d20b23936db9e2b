import type { StepType } from '../types';
import type { Action } from './action';
import { attachDeny } from './attach-deny';
import {
  deactivateAccessKey,
  deactivateServiceCredential,
  deactivateSigningCertificate,
  deactivateSshKey,
} from './deactivate-credential';
import { deactivateMfa } from './deactivate-mfa';
import { deleteLoginProfile } from './delete-login-profile';
import { putRoleSessionDeny } from './put-role-session-deny';
import { tagPrincipal } from './tag-principal';
import { terminateSessions } from './terminate-sessions';

/** Every action, by step type. A step type without an action is a compile error. */
export const actions = {
  'attach-deny': attachDeny,
  'put-role-session-deny': putRoleSessionDeny,
  'deactivate-access-key': deactivateAccessKey,
  'deactivate-ssh-key': deactivateSshKey,
  'deactivate-signing-certificate': deactivateSigningCertificate,
  'deactivate-service-credential': deactivateServiceCredential,
  'delete-login-profile': deleteLoginProfile,
  'deactivate-mfa': deactivateMfa,
  'terminate-sessions': terminateSessions,
  'tag-principal': tagPrincipal,
} as const satisfies { [T in StepType]: Action<T> };

export function actionFor<T extends StepType>(type: T): Action<T> {
  return actions[type] as unknown as Action<T>;
}

export type { Action, ActionContext, ActionOutcome } from './action';
