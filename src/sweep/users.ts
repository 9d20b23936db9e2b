import { type IAMClient, paginateListUserTags } from '@aws-sdk/client-iam';
import { tagsToRecord } from '../engine';
import { isNoSuchEntity } from '../errors';
import { tagsWithKeys } from '../util/iam-case';
import { collectPages } from '../util/paging';

/** IAM actions of a candidate's tags. */
export const USER_TAGS_PERMISSIONS = ['iam:ListUserTags'] as const;

/** What the sweep knows of a candidate user: its credential report row's name and ARN, and its tags. */
export interface SweptUser {
  readonly userName: string;
  readonly arn: string;
  /** From the ARN (`arn:aws:iam::<account>:user/<path>/<name>`); `/` when the ARN says none. */
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The IAM path in a user's ARN: `arn:aws:iam::123456789012:user/ops/alice` -> `/ops/`.
 * @example
 * pathOfUserArn('arn:aws:iam::123456789012:user/alice'); // '/'
 */
export function pathOfUserArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/').slice(1, -1);
  return parts.length ? `/${parts.join('/')}/` : '/';
}

/**
 * A user's tags (ListUserTags, every page: one call for up to 100 tags, IAM allows 50), or `undefined` when the
 * user no longer exists (deleted since the credential report). IAM: `iam:ListUserTags`.
 * @throws any other IAM error.
 */
export async function readUserTags(
  iam: IAMClient,
  userName: string,
): Promise<Record<string, string> | undefined> {
  try {
    return tagsToRecord(
      await collectPages(paginateListUserTags({ client: iam }, { UserName: userName }), (p) => p.Tags),
    );
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
}

/** The person tags (`PERSON_TAG_KEYS`, keys without case) of a user: the owner of its keys, for reports. */
export const ownerOf = tagsWithKeys;
