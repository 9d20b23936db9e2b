import {
  type AccessKeyMetadata,
  type AttachedPolicy,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  type Group,
  type IAMClient,
  ListServiceSpecificCredentialsCommand,
  type LoginProfile,
  type MFADevice,
  paginateListAccessKeys,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListRolePolicies,
  paginateListRoleTags,
  paginateListSigningCertificates,
  paginateListSSHPublicKeys,
  paginateListUserPolicies,
  paginateListUserTags,
  type ServiceSpecificCredentialMetadata,
  type SigningCertificate,
  type SSHPublicKeyMetadata,
  type Tag,
  type User,
} from '@aws-sdk/client-iam';
import { describeError, isNoSuchEntity, NotFoundError } from '../errors';
import { mapLimit } from '../util/concurrency';
import { tagValue } from '../util/iam-case';
import { collectPages } from '../util/paging';
import type { AccessKeyInfo, RoleSnapshot, UserSnapshot } from './types';

/** IAM actions the snapshot reads. */
export const SNAPSHOT_PERMISSIONS = [
  'iam:GetUser',
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:GetLoginProfile',
  'iam:ListMFADevices',
  'iam:ListSSHPublicKeys',
  'iam:ListSigningCertificates',
  'iam:ListServiceSpecificCredentials',
  'iam:ListUserTags',
  'iam:ListGroupsForUser',
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
] as const;

export function tagsToRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

const iso = (d: Date | undefined) => d?.toISOString();

/** The account id in an IAM or STS ARN. */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export interface UserSnapshotOptions {
  /** A person's email: their federated SSM sessions (`assumed-role/<any>/<email>`) are theirs too. */
  readonly personEmail?: string;
  /** Person tags (`PERSON_TAG_KEYS`): an email among them also names the user's federated sessions. */
  readonly personTagKeys?: readonly string[];
  /**
   * Also list the user's groups (ListGroupsForUser, in the same wave): membership of the deny group is the deny
   * when the managed-policy quota was full. Asked when a deny group is configured (`DENY_GROUP_NAME`).
   */
  readonly readGroups?: boolean;
}

/** A user as IAM answers the snapshot's reads, before any mapping. */
export interface UserReads {
  readonly user: User | undefined;
  readonly attached: readonly AttachedPolicy[];
  readonly inline: readonly string[];
  readonly keys: readonly AccessKeyMetadata[];
  readonly loginProfile: LoginProfile | null;
  readonly mfa: readonly MFADevice[];
  readonly ssh: readonly SSHPublicKeyMetadata[];
  readonly certs: readonly SigningCertificate[];
  readonly service: readonly ServiceSpecificCredentialMetadata[];
  readonly tags: readonly Tag[];
  /** The user's groups; undefined when not read. */
  readonly groups: readonly Group[] | undefined;
  /** What could not be read, said plainly. */
  readonly notes: readonly string[];
}

/** Reads that answer `null` when IAM says the thing does not exist. */
async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (isNoSuchEntity(err)) return null;
    throw err;
  }
}

/** Service-specific credentials, or none with a note where the API is missing (some partitions, emulators). */
async function listServiceCredentials(iam: IAMClient, userName: string, notes: string[]) {
  try {
    return (
      (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: userName })))
        .ServiceSpecificCredentials ?? []
    );
  } catch (err) {
    if (isNoSuchEntity(err)) throw err;
    const why = /Deserialization error|XML parse error/.test(describeError(err))
      ? 'the endpoint does not implement ListServiceSpecificCredentials'
      : describeError(err).split('\n')[0];
    notes.push(`service-specific credentials could not be listed (${why})`);
    return [];
  }
}

/**
 * Every read the snapshot of a user needs, every list paginated, all in parallel (one round trip when no list
 * spans pages); the user's groups too when `options.readGroups`.
 * @throws NotFoundError when the user does not exist.
 */
export async function readUser(
  iam: IAMClient,
  userName: string,
  options: Pick<UserSnapshotOptions, 'readGroups'> = {},
): Promise<UserReads> {
  const notes: string[] = [];
  const U = { UserName: userName };
  const client = { client: iam };
  const [user, attached, inline, keys, loginProfile, mfa, ssh, certs, service, tags, groups] =
    await Promise.all([
      iam.send(new GetUserCommand(U)),
      collectPages(paginateListAttachedUserPolicies(client, U), (p) => p.AttachedPolicies),
      collectPages(paginateListUserPolicies(client, U), (p) => p.PolicyNames),
      collectPages(paginateListAccessKeys(client, U), (p) => p.AccessKeyMetadata),
      orNull(async () => (await iam.send(new GetLoginProfileCommand(U))).LoginProfile ?? null),
      collectPages(paginateListMFADevices(client, U), (p) => p.MFADevices),
      collectPages(paginateListSSHPublicKeys(client, U), (p) => p.SSHPublicKeys),
      collectPages(paginateListSigningCertificates(client, U), (p) => p.Certificates),
      listServiceCredentials(iam, userName, notes),
      collectPages(paginateListUserTags(client, U), (p) => p.Tags),
      options.readGroups ? collectPages(paginateListGroupsForUser(client, U), (p) => p.Groups) : undefined,
    ]).catch((err) => {
      if (isNoSuchEntity(err)) throw new NotFoundError(`IAM user ${userName} does not exist`, { cause: err });
      throw err;
    });
  return {
    user: user.User,
    attached,
    inline,
    keys,
    loginProfile,
    mfa,
    ssh,
    certs,
    service,
    tags,
    groups,
    notes,
  };
}

/** The snapshot of a user from its reads. Pure. */
export function toUserSnapshot(
  reads: UserReads,
  userName: string,
  now: Date,
  options: UserSnapshotOptions = {},
): UserSnapshot {
  const arn = reads.user?.Arn ?? '';
  const tags = tagsToRecord(reads.tags);
  const email =
    options.personEmail ??
    (options.personTagKeys ?? [])
      .map((k) => tagValue(tags, k))
      .find((v): v is string => !!v && v.includes('@'));
  return {
    kind: 'user',
    takenAt: now.toISOString(),
    userName: reads.user?.UserName ?? userName,
    userId: reads.user?.UserId ?? '',
    arn,
    path: reads.user?.Path ?? '/',
    attachedPolicies: reads.attached.map((p) => ({
      policyName: p.PolicyName ?? '',
      policyArn: p.PolicyArn ?? '',
    })),
    inlinePolicyNames: [...reads.inline],
    ...(reads.groups ? { groupNames: reads.groups.map((g) => g.GroupName ?? '') } : {}),
    accessKeys: reads.keys.map((k) => ({
      accessKeyId: k.AccessKeyId ?? '',
      status: (k.Status ?? 'Active') as AccessKeyInfo['status'],
      createDate: iso(k.CreateDate),
    })),
    loginProfile: reads.loginProfile
      ? {
          createDate: iso(reads.loginProfile.CreateDate),
          passwordResetRequired: reads.loginProfile.PasswordResetRequired,
        }
      : null,
    mfaDevices: reads.mfa.map((d) => ({ serialNumber: d.SerialNumber ?? '', enableDate: iso(d.EnableDate) })),
    sshPublicKeys: reads.ssh.map((k) => ({
      sshPublicKeyId: k.SSHPublicKeyId ?? '',
      status: k.Status ?? 'Active',
      uploadDate: iso(k.UploadDate),
    })),
    signingCertificates: reads.certs.map((c) => ({
      certificateId: c.CertificateId ?? '',
      status: c.Status ?? 'Active',
      uploadDate: iso(c.UploadDate),
    })),
    serviceCredentials: reads.service.map((c) => ({
      serviceSpecificCredentialId: c.ServiceSpecificCredentialId ?? '',
      serviceName: c.ServiceName ?? '',
      status: c.Status ?? 'Active',
    })),
    tags,
    // A person's federated sessions: `arn:aws:sts::<acct>:assumed-role/<any role>/<email>`.
    sessionOwners: { exact: [arn], ...(email ? { suffixes: [`/${email}`] } : {}) },
    sessions: [],
    notes: [...reads.notes],
  };
}

/**
 * Reads everything revocation changes or restore needs about a user. Last use of each key is read separately
 * ({@link readKeyLastUse}) so it does not delay the deny.
 * @throws NotFoundError when the user does not exist.
 */
export async function readUserSnapshot(
  iam: IAMClient,
  userName: string,
  now: Date,
  options: UserSnapshotOptions = {},
): Promise<UserSnapshot> {
  return toUserSnapshot(await readUser(iam, userName, options), userName, now, options);
}

/**
 * Adds last use to each key (GetAccessKeyLastUsed per key; a user has at most two). A failure leaves the
 * key's last use unknown rather than failing the revocation.
 */
export async function readKeyLastUse(
  iam: IAMClient,
  keys: readonly AccessKeyInfo[],
): Promise<AccessKeyInfo[]> {
  return mapLimit(keys, 4, async (key) => {
    try {
      const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      const last = r.AccessKeyLastUsed;
      return {
        ...key,
        lastUsedDate: last?.LastUsedDate ? last.LastUsedDate.toISOString() : null,
        ...(last?.ServiceName && last.ServiceName !== 'N/A' ? { lastUsedService: last.ServiceName } : {}),
        ...(last?.Region && last.Region !== 'N/A' ? { lastUsedRegion: last.Region } : {}),
      };
    } catch {
      return key;
    }
  });
}

/**
 * Reads a role: its policies and tags, and the owner prefix of its assumed-role sessions.
 * @throws NotFoundError when the role does not exist.
 */
export async function readRoleSnapshot(iam: IAMClient, roleName: string, now: Date): Promise<RoleSnapshot> {
  const R = { RoleName: roleName };
  const [role, inline, attached, tags] = await Promise.all([
    iam.send(new GetRoleCommand(R)),
    collectPages(paginateListRolePolicies({ client: iam }, R), (p) => p.PolicyNames),
    collectPages(paginateListAttachedRolePolicies({ client: iam }, R), (p) => p.AttachedPolicies),
    collectPages(paginateListRoleTags({ client: iam }, R), (p) => p.Tags),
  ]).catch((err) => {
    // Whichever read answers first for a role that does not exist says so.
    if (isNoSuchEntity(err)) throw new NotFoundError(`IAM role ${roleName} does not exist`, { cause: err });
    throw err;
  });
  const arn = role.Role?.Arn ?? '';
  const name = role.Role?.RoleName ?? roleName;
  return {
    kind: 'role',
    takenAt: now.toISOString(),
    roleName: name,
    roleId: role.Role?.RoleId ?? '',
    arn,
    path: role.Role?.Path ?? '/',
    inlinePolicyNames: inline,
    attachedPolicies: attached.map((p) => ({ policyName: p.PolicyName ?? '', policyArn: p.PolicyArn ?? '' })),
    tags: tagsToRecord(tags),
    sessionOwners: { prefixes: [`arn:aws:sts::${accountOf(arn)}:assumed-role/${name}/`] },
    sessions: [],
    notes: [],
  };
}
