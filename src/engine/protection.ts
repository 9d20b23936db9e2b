import type { Config } from '../config';
import { globMatch } from '../util/glob';
import type { Snapshot } from './types';

type ProtectionConfig = Pick<Config, 'protectedPrincipals' | 'protectedTagKey' | 'projectRolePrefix'>;

/**
 * Why a principal must not be touched, or undefined. Checked before any write; the same rules are
 * enforced in IAM by the functions' policies (serverless.yml).
 */
export function protectionReason(snapshot: Snapshot, config: ProtectionConfig): string | undefined {
  const name = snapshot.kind === 'user' ? snapshot.userName : snapshot.roleName;
  for (const pattern of config.protectedPrincipals) {
    if (globMatch(pattern, name) || globMatch(pattern, snapshot.arn)) {
      return `matches PROTECTED_PRINCIPALS entry "${pattern}"`;
    }
  }
  const tag = snapshot.tags[config.protectedTagKey];
  if (tag !== undefined && tag.trim().toLowerCase() === 'true')
    return `tagged ${config.protectedTagKey}=true`;
  if (snapshot.kind === 'role') {
    if (config.projectRolePrefix && name.startsWith(config.projectRolePrefix)) {
      return "one of this project's own roles";
    }
    if (snapshot.path.startsWith('/aws-service-role/'))
      return 'a service-linked role (IAM does not allow edits)';
    if (name.startsWith('AWSReservedSSO_')) {
      return 'an IAM Identity Center role: edit its permission set or use an SCP instead';
    }
  }
  return undefined;
}
