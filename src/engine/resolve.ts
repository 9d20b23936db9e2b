import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import { awsErrorCode, isNoSuchEntity, NotFoundError } from '../errors';
import { tagValue } from '../util/iam-case';
import { tagsToRecord } from './snapshot';

/** IAM actions target resolution reads. */
export const RESOLVE_PERMISSIONS = [
  'iam:GetAccessKeyLastUsed',
  'iam:GetAccountAuthorizationDetails',
] as const;

/** A person as HR names them; either identifier may be absent. */
export interface Person {
  readonly employeeId?: string;
  readonly email?: string;
}

export interface PersonUser {
  readonly userName: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The user who owns an access key, by `GetAccessKeyLastUsed` (its `UserName`).
 * @throws NotFoundError when no user of this account owns the key.
 */
export async function ownerOfAccessKey(iam: IAMClient, accessKeyId: string): Promise<string> {
  try {
    const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    if (r.UserName) return r.UserName;
  } catch (err) {
    // A key of another account (or none at all) answers AccessDenied or NoSuchEntity.
    if (
      !isNoSuchEntity(err) &&
      awsErrorCode(err) !== 'AccessDenied' &&
      awsErrorCode(err) !== 'AccessDeniedException'
    ) {
      throw err;
    }
  }
  throw new NotFoundError(`no IAM user of this account owns access key ${accessKeyId}`);
}

const norm = (v: string) => (v.includes('@') ? v.trim().toLowerCase() : v.trim());

/**
 * True when one of the user's person tags equals one of the person's identifiers: tag keys without case (as IAM
 * compares them), emails without case, other values exactly.
 */
export function userMatchesPerson(
  tags: Readonly<Record<string, string>>,
  person: Person,
  tagKeys: readonly string[],
): boolean {
  const ids = [person.employeeId, person.email].filter((v): v is string => !!v && v.trim() !== '').map(norm);
  if (!ids.length) return false;
  return tagKeys.some((key) => {
    const value = tagValue(tags, key);
    return value !== undefined && ids.includes(norm(value));
  });
}

/**
 * Every IAM user whose person tags (`PERSON_TAG_KEYS`) name the person, from GetAccountAuthorizationDetails
 * pages (users with their tags, up to 1000 a page): ceil(users / page size) calls, never one per user.
 */
export async function usersOfPerson(
  iam: IAMClient,
  person: Person,
  tagKeys: readonly string[],
): Promise<PersonUser[]> {
  const found: PersonUser[] = [];
  for await (const page of paginateGetAccountAuthorizationDetails(
    { client: iam, pageSize: 1000 },
    { Filter: ['User'] },
  )) {
    for (const u of page.UserDetailList ?? []) {
      const tags = tagsToRecord(u.Tags);
      if (userMatchesPerson(tags, person, tagKeys)) {
        found.push({ userName: u.UserName ?? '', arn: u.Arn ?? '', tags });
      }
    }
  }
  return found;
}
