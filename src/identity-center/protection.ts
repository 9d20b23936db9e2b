import { globMatch } from '../util/glob';
import type { IdcUser } from './schema';
import type { IdcSessionOwner } from './types';

/**
 * Why an Identity Center user must not be touched, or undefined: its userName (or id) matches a
 * `PROTECTED_PRINCIPALS` name or glob, without case as every protected name. Checked before any write.
 * Identity Store users carry no tags, so the protect tag does not apply to them.
 */
export function idcProtectionReason(
  user: Pick<IdcUser, 'userName' | 'userId'>,
  protectedPrincipals: readonly string[],
): string | undefined {
  const pattern = protectedPrincipals.find((p) => globMatch(p, user.userName) || globMatch(p, user.userId));
  return pattern === undefined ? undefined : `matches PROTECTED_PRINCIPALS entry "${pattern}"`;
}

/** The role name prefix of every IAM role Identity Center provisions for a permission set. */
export const IDC_ROLE_PREFIX = 'AWSReservedSSO_';

/**
 * The SSM session owners of an Identity Center user in any account: the role sessions of its permission sets,
 * `arn:<partition>:sts::<account>:assumed-role/AWSReservedSSO_<set>_<hash>/<userName>`. Both parts must hold
 * (see {@link isIdcSessionOwner}): a suffix alone would also match the user's other federated sessions.
 */
export const idcSessionOwner = (userName: string): IdcSessionOwner => ({
  contains: `:assumed-role/${IDC_ROLE_PREFIX}`,
  suffix: `/${userName}`,
});

/**
 * True when a session owner ARN is a role session of the Identity Center user.
 * @example
 * isIdcSessionOwner('arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b2c3d4e5f6a7b/jane', 'jane'); // true
 */
export function isIdcSessionOwner(owner: string, userName: string): boolean {
  const { contains, suffix } = idcSessionOwner(userName);
  const at = owner.indexOf(contains);
  return (
    /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//.test(owner) &&
    at >= 0 &&
    owner.endsWith(suffix) &&
    // The role name sits between the prefix and the session name: no further `/`.
    !owner.slice(at + contains.length, owner.length - suffix.length).includes('/')
  );
}
