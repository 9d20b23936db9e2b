import type { Config } from '../config';
import { globMatch } from '../util/glob';
import { tagValue } from '../util/iam-case';
import type { PrincipalKind, Snapshot } from './types';

/** What protection looks at: enough to judge a principal known from a snapshot or from a listing. */
export interface ProtectionSubject {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
}

export function subjectOf(snapshot: Snapshot): ProtectionSubject {
  return {
    kind: snapshot.kind,
    name: snapshot.kind === 'user' ? snapshot.userName : snapshot.roleName,
    arn: snapshot.arn,
    path: snapshot.path,
    tags: snapshot.tags,
  };
}

type ProtectionConfig = Pick<Config, 'protectedPrincipals' | 'protectedTagKey' | 'projectRolePrefix'> &
  Partial<Pick<Config, 'memberRoleName' | 'orgRoleArn' | 'idcRoleArn'>>;

/**
 * Why a principal must not be touched, or undefined. Checked before any write; the same rules are
 * enforced in IAM by the functions' policies (serverless.yml).
 */
export function protectionReason(
  principal: ProtectionSubject | Snapshot,
  config: ProtectionConfig,
): string | undefined {
  const subject = 'name' in principal ? principal : subjectOf(principal);
  const { name } = subject;
  for (const pattern of config.protectedPrincipals) {
    if (globMatch(pattern, name) || globMatch(pattern, subject.arn)) {
      return `matches PROTECTED_PRINCIPALS entry "${pattern}"`;
    }
  }
  const tag = tagValue(subject.tags, config.protectedTagKey);
  if (tag?.trim().toLowerCase() === 'true') return `tagged ${config.protectedTagKey}=true`;
  if (subject.kind === 'role') {
    if (config.projectRolePrefix && name.toLowerCase().startsWith(config.projectRolePrefix.toLowerCase())) {
      return "one of this project's own roles";
    }
    // The roles the project reaches other accounts through: locking one down would cut the engine off mid-run.
    const reachRoles = [
      config.memberRoleName,
      config.orgRoleArn?.split('/').pop(),
      config.idcRoleArn?.split('/').pop(),
    ];
    if (reachRoles.some((r) => r && r.toLowerCase() === name.toLowerCase())) {
      return 'a role this project acts through (MEMBER_ROLE_NAME / ORG_ROLE_ARN / IDC_ROLE_ARN)';
    }
    if (subject.path.startsWith('/aws-service-role/'))
      return 'a service-linked role (IAM does not allow edits)';
    if (name.startsWith('AWSReservedSSO_')) {
      return 'an IAM Identity Center role: edit its permission set or use an SCP instead';
    }
  }
  return undefined;
}
