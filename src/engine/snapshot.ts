import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  type IAMClient,
  ListServiceSpecificCredentialsCommand,
  paginateListAccessKeys,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListMFADevices,
  paginateListRolePolicies,
  paginateListRoleTags,
  paginateListSigningCertificates,
  paginateListSSHPublicKeys,
  paginateListUserPolicies,
  paginateListUserTags,
  type Tag,
} from '@aws-sdk/client-iam';
import { describeError, isNoSuchEntity, NotFoundError } from '../errors';
import { mapLimit } from '../util/concurrency';
import type { AccessKeyInfo, RoleSnapshot, SessionOwnerMatch, UserSnapshot } from './types';

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
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
] as const;

async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

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
}

/**
 * Reads everything revocation changes or restore needs about a user, every list paginated, all reads in
 * parallel (one round trip when no list spans pages). Last use of each key is read separately
 * ({@link readKeyLastUse}) so it does not delay the deny.
 * @throws NotFoundError when the user does not exist.
 */
export async function readUserSnapshot(
  iam: IAMClient,
  userName: string,
  now: Date,
  options: UserSnapshotOptions = {},
): Promise<UserSnapshot> {
  const notes: string[] = [];
  const U = { UserName: userName };
  const getUser = async () => {
    try {
      return await iam.send(new GetUserCommand(U));
    } catch (err) {
      if (isNoSuchEntity(err)) throw new NotFoundError(`IAM user ${userName} does not exist`, { cause: err });
      throw err;
    }
  };
  const getLoginProfile = async () => {
    try {
      return (await iam.send(new GetLoginProfileCommand(U))).LoginProfile ?? null;
    } catch (err) {
      if (isNoSuchEntity(err)) return null;
      throw err;
    }
  };
  const listServiceCredentials = async () => {
    try {
      return (await iam.send(new ListServiceSpecificCredentialsCommand(U))).ServiceSpecificCredentials ?? [];
    } catch (err) {
      if (isNoSuchEntity(err)) throw err;
      // Some partitions and emulators lack this API: say so rather than fail the revocation.
      const why = /Deserialization error|XML parse error/.test(describeError(err))
        ? 'the endpoint does not implement ListServiceSpecificCredentials'
        : describeError(err).split('\n')[0];
      notes.push(`service-specific credentials could not be listed (${why})`);
      return [];
    }
  };
  const [user, attached, inline, keys, loginProfile, mfa, ssh, certs, service, tags] = await Promise.all([
    getUser(),
    collect(paginateListAttachedUserPolicies({ client: iam }, U), (p) => p.AttachedPolicies),
    collect(paginateListUserPolicies({ client: iam }, U), (p) => p.PolicyNames),
    collect(paginateListAccessKeys({ client: iam }, U), (p) => p.AccessKeyMetadata),
    getLoginProfile(),
    collect(paginateListMFADevices({ client: iam }, U), (p) => p.MFADevices),
    collect(paginateListSSHPublicKeys({ client: iam }, U), (p) => p.SSHPublicKeys),
    collect(paginateListSigningCertificates({ client: iam }, U), (p) => p.Certificates),
    listServiceCredentials(),
    collect(paginateListUserTags({ client: iam }, U), (p) => p.Tags),
  ]);
  const arn = user.User?.Arn ?? '';
  const tagRecord = tagsToRecord(tags);
  const email =
    options.personEmail ??
    (options.personTagKeys ?? []).map((k) => tagRecord[k]).find((v): v is string => !!v && v.includes('@'));
  const sessionOwners: SessionOwnerMatch = {
    exact: [arn],
    // A person's federated sessions: `arn:aws:sts::<acct>:assumed-role/<any role>/<email>`.
    ...(email ? { suffixes: [`/${email}`] } : {}),
  };
  return {
    kind: 'user',
    takenAt: now.toISOString(),
    userName: user.User?.UserName ?? userName,
    userId: user.User?.UserId ?? '',
    arn,
    path: user.User?.Path ?? '/',
    attachedPolicies: attached.map((p) => ({ policyName: p.PolicyName ?? '', policyArn: p.PolicyArn ?? '' })),
    inlinePolicyNames: inline,
    accessKeys: keys.map((k) => ({
      accessKeyId: k.AccessKeyId ?? '',
      status: (k.Status ?? 'Active') as AccessKeyInfo['status'],
      createDate: iso(k.CreateDate),
    })),
    loginProfile: loginProfile
      ? {
          createDate: iso(loginProfile.CreateDate),
          passwordResetRequired: loginProfile.PasswordResetRequired,
        }
      : null,
    mfaDevices: mfa.map((d) => ({ serialNumber: d.SerialNumber ?? '', enableDate: iso(d.EnableDate) })),
    sshPublicKeys: ssh.map((k) => ({
      sshPublicKeyId: k.SSHPublicKeyId ?? '',
      status: k.Status ?? 'Active',
      uploadDate: iso(k.UploadDate),
    })),
    signingCertificates: certs.map((c) => ({
      certificateId: c.CertificateId ?? '',
      status: c.Status ?? 'Active',
      uploadDate: iso(c.UploadDate),
    })),
    serviceCredentials: service.map((c) => ({
      serviceSpecificCredentialId: c.ServiceSpecificCredentialId ?? '',
      serviceName: c.ServiceName ?? '',
      status: c.Status ?? 'Active',
    })),
    tags: tagRecord,
    sessionOwners,
    sessions: [],
    notes,
  };
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
  const getRole = async () => {
    try {
      return await iam.send(new GetRoleCommand(R));
    } catch (err) {
      if (isNoSuchEntity(err)) throw new NotFoundError(`IAM role ${roleName} does not exist`, { cause: err });
      throw err;
    }
  };
  const [role, inline, attached, tags] = await Promise.all([
    getRole(),
    collect(paginateListRolePolicies({ client: iam }, R), (p) => p.PolicyNames),
    collect(paginateListAttachedRolePolicies({ client: iam }, R), (p) => p.AttachedPolicies),
    collect(paginateListRoleTags({ client: iam }, R), (p) => p.Tags),
  ]);
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
