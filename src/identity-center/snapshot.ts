import { paginateListGroupMembershipsForMember } from '@aws-sdk/client-identitystore';
import {
  GetInlinePolicyForPermissionSetCommand,
  paginateListAccountAssignmentsForPrincipal,
  paginateListAccountsForProvisionedPermissionSet,
} from '@aws-sdk/client-sso-admin';
import { mapLimit } from '../util/concurrency';
import { collectPages } from '../util/paging';
import type { IdcAssignment, IdcMembership, IdcSnapshot, IdcUser } from './schema';
import type { IdcDeps } from './types';

/** Actions of the snapshot (and of the re-reads that verify and restore). */
export const IDC_SNAPSHOT_PERMISSIONS = [
  'sso:ListAccountAssignmentsForPrincipal',
  'identitystore:ListGroupMembershipsForMember',
  'sso:GetInlinePolicyForPermissionSet',
  'sso:ListAccountsForProvisionedPermissionSet',
] as const;

type Reader = Pick<IdcDeps, 'identitystore' | 'ssoAdmin' | 'identityStoreId' | 'instanceArn'>;

/** Parallel reads per wave (groups, permission sets). */
const READS_IN_FLIGHT = 8;

/** The account assignments of a user or a group (every page). */
export async function assignmentsOf(
  deps: Reader,
  principalType: 'USER' | 'GROUP',
  principalId: string,
): Promise<IdcAssignment[]> {
  const pages = paginateListAccountAssignmentsForPrincipal(
    { client: deps.ssoAdmin },
    { InstanceArn: deps.instanceArn, PrincipalId: principalId, PrincipalType: principalType },
  );
  const found = await collectPages(pages, (p) => p.AccountAssignments);
  return found.flatMap((a) =>
    a.AccountId && a.PermissionSetArn
      ? [{ accountId: a.AccountId, permissionSetArn: a.PermissionSetArn }]
      : [],
  );
}

/** The user's group memberships (every page). */
export async function membershipsOf(deps: Reader, userId: string): Promise<IdcMembership[]> {
  const pages = paginateListGroupMembershipsForMember(
    { client: deps.identitystore },
    { IdentityStoreId: deps.identityStoreId, MemberId: { UserId: userId } },
  );
  const found = await collectPages(pages, (p) => p.GroupMemberships);
  return found.flatMap((m) =>
    m.MembershipId && m.GroupId ? [{ membershipId: m.MembershipId, groupId: m.GroupId }] : [],
  );
}

/** A permission set's inline policy, null when it has none (sso-admin answers an empty string). */
export async function inlinePolicyOf(deps: Reader, permissionSetArn: string): Promise<string | null> {
  const out = await deps.ssoAdmin.send(
    new GetInlinePolicyForPermissionSetCommand({
      InstanceArn: deps.instanceArn,
      PermissionSetArn: permissionSetArn,
    }),
  );
  return out.InlinePolicy?.trim() ? out.InlinePolicy : null;
}

async function provisionedAccounts(deps: Reader, permissionSetArn: string): Promise<string[]> {
  const pages = paginateListAccountsForProvisionedPermissionSet(
    { client: deps.ssoAdmin },
    { InstanceArn: deps.instanceArn, PermissionSetArn: permissionSetArn },
  );
  return collectPages(pages, (p) => p.AccountIds);
}

/** Every permission set of a list of assignments, once, in first-seen order. */
export const permissionSetsOf = (assignments: readonly IdcAssignment[]): string[] => [
  ...new Set(assignments.map((a) => a.permissionSetArn)),
];

/**
 * Everything the revocation changes or restore needs about an Identity Center user, read before any write in
 * three waves: the user's assignments and memberships; each group's assignments; each permission set involved
 * (its inline policy and the accounts it is provisioned to). Reads only.
 */
export async function readIdcSnapshot(
  deps: Reader & Pick<IdcDeps, 'now'>,
  user: IdcUser,
): Promise<IdcSnapshot> {
  const [assignments, memberships] = await Promise.all([
    assignmentsOf(deps, 'USER', user.userId),
    membershipsOf(deps, user.userId),
  ]);
  const groupIds = [...new Set(memberships.map((m) => m.groupId))];
  const groupAssignments = await mapLimit(groupIds, READS_IN_FLIGHT, async (groupId) => ({
    groupId,
    assignments: await assignmentsOf(deps, 'GROUP', groupId),
  }));
  const arns = permissionSetsOf([...assignments, ...groupAssignments.flatMap((g) => g.assignments)]);
  const permissionSets = await mapLimit(arns, READS_IN_FLIGHT, async (permissionSetArn) => {
    const [inlinePolicy, accounts] = await Promise.all([
      inlinePolicyOf(deps, permissionSetArn),
      provisionedAccounts(deps, permissionSetArn),
    ]);
    return { permissionSetArn, inlinePolicy, accounts };
  });
  return {
    kind: 'idc-user',
    takenAt: deps.now.toISOString(),
    identityStoreId: deps.identityStoreId,
    instanceArn: deps.instanceArn,
    user,
    assignments,
    memberships,
    groupAssignments,
    permissionSets,
    notes: user.externalIds.length
      ? [
          `provisioned by an identity provider (${user.externalIds.map((x) => x.issuer).join(', ')}): its SCIM sync would re-add group memberships until the user is disabled there`,
        ]
      : [],
  };
}
