import { DescribeUserCommand, GetUserIdCommand } from '@aws-sdk/client-identitystore';
import { awsErrorCode } from '../errors';
import type { IdcUser } from './schema';
import type { IdcDeps, IdcTarget } from './types';

/** Identity Store actions of resolving a person or an operator's `identityCenterUser` to a user. */
export const IDC_RESOLVE_PERMISSIONS = ['identitystore:GetUserId', 'identitystore:DescribeUser'] as const;

type UniquePath = 'userName' | 'emails.value';
type Lookup = { readonly path: UniquePath; readonly value: string };

const isNotFound = (err: unknown) => awsErrorCode(err) === 'ResourceNotFoundException';

/**
 * The lookups a target stands for, in order: an operator's `identityCenterUser` is a userName, or an email
 * when it has an `@`; a person is its userName when the directory gave one, then its email as userName (most
 * identity providers use it) and as the user's email (`emails.value`).
 */
export function lookupsOf(target: IdcTarget): Lookup[] {
  const found: Lookup[] = [];
  const add = (path: UniquePath, value: string | undefined) => {
    const v = value?.trim();
    if (v && !found.some((l) => l.path === path && l.value === v)) found.push({ path, value: v });
  };
  if ('identityCenterUser' in target) {
    add('userName', target.identityCenterUser);
    if (target.identityCenterUser.includes('@')) add('emails.value', target.identityCenterUser);
    return found;
  }
  add('userName', target.userName);
  add('userName', target.email);
  add('emails.value', target.email);
  return found;
}

async function userIdBy(deps: Pick<IdcDeps, 'identitystore' | 'identityStoreId'>, lookup: Lookup) {
  try {
    const out = await deps.identitystore.send(
      new GetUserIdCommand({
        IdentityStoreId: deps.identityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: lookup.path, AttributeValue: lookup.value },
        },
      }),
    );
    return out.UserId;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A user as DescribeUser answers it. */
export async function describeIdcUser(
  deps: Pick<IdcDeps, 'identitystore' | 'identityStoreId'>,
  userId: string,
): Promise<IdcUser> {
  const u = await deps.identitystore.send(
    new DescribeUserCommand({ IdentityStoreId: deps.identityStoreId, UserId: userId }),
  );
  return {
    userId: u.UserId ?? userId,
    userName: u.UserName ?? '',
    ...(u.DisplayName ? { displayName: u.DisplayName } : {}),
    emails: (u.Emails ?? []).flatMap((e) => (e.Value ? [e.Value] : [])),
    externalIds: (u.ExternalIds ?? []).map((x) => ({ issuer: x.Issuer ?? '', id: x.Id ?? '' })),
  };
}

/**
 * The Identity Store user a target names (GetUserId by `userName`, then by `emails.value`, then DescribeUser),
 * or undefined when none matches. Reads only.
 * @example
 * await findIdentityCenterUser(deps, { email: 'jane.doe@example.com' }); // { userId, userName: 'jane.doe@example.com', ... }
 */
export async function findIdentityCenterUser(
  deps: Pick<IdcDeps, 'identitystore' | 'identityStoreId'>,
  target: IdcTarget,
): Promise<IdcUser | undefined> {
  for (const lookup of lookupsOf(target)) {
    const userId = await userIdBy(deps, lookup);
    if (userId) return describeIdcUser(deps, userId);
  }
  return undefined;
}
