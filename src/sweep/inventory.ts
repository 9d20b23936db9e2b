import { type IAMClient, paginateGetAccountAuthorizationDetails } from '@aws-sdk/client-iam';
import { tagsToRecord } from '../engine/snapshot';

/** What the sweep knows of an IAM user without a call per user. */
export interface InventoryUser {
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly attachedPolicyArns: readonly string[];
  readonly inlinePolicyNames: readonly string[];
}

/** Users per GetAccountAuthorizationDetails page (the API's maximum). */
export const DETAILS_PAGE_SIZE = 1000;

/**
 * Every IAM user with its tags, attached managed policies and inline policy names, from
 * GetAccountAuthorizationDetails (`Filter=User`), 1000 users a page: ceil(users / 1000) calls, never one per
 * user. IAM: `iam:GetAccountAuthorizationDetails`.
 */
export async function readInventory(iam: IAMClient): Promise<Map<string, InventoryUser>> {
  const users = new Map<string, InventoryUser>();
  for await (const page of paginateGetAccountAuthorizationDetails(
    { client: iam, pageSize: DETAILS_PAGE_SIZE },
    { Filter: ['User'] },
  )) {
    for (const u of page.UserDetailList ?? []) {
      if (!u.UserName) continue;
      users.set(u.UserName, {
        userName: u.UserName,
        userId: u.UserId ?? '',
        arn: u.Arn ?? '',
        path: u.Path ?? '/',
        tags: tagsToRecord(u.Tags),
        attachedPolicyArns: (u.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
        inlinePolicyNames: (u.UserPolicyList ?? []).map((p) => p.PolicyName ?? ''),
      });
    }
  }
  return users;
}

/** The person tags (`PERSON_TAG_KEYS`) of a user: the owner of its keys, for reports. */
export function ownerOf(
  tags: Readonly<Record<string, string>>,
  keys: readonly string[],
): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => keys.includes(k)));
}
