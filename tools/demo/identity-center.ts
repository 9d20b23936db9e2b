import {
  DescribeUserCommand,
  type IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import {
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-sso-admin';
import type { Coverage } from '../../src/accounts/coverage';
import type { IdentityCenterClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { idcHistory } from '../../src/identity-center/state';
import { identityCenterSeed } from '../local/identity-center-seed';
import type { Moto } from '../local/moto';
import { motoClients } from '../local/seed';
import { HOME_ACCOUNT, JANE, MEMBER_ACCOUNT, SAM } from './company';
import type { ProvisioningExchange } from './provisioning';
import type { DepartureIdentityCenter, IdcAccess, IdcSetAfter, IdentityCenterSeed, Proof } from './types';

/**
 * Jane's Identity Center user, on the emulator's Identity Center instance (in the stack's own account, as an
 * organization's instance is in its management account): `PlatformAdmin` assigned to her directly in the home
 * account, `Developer` assigned in the member account to the group `engineering`, of which she and Sam are
 * members. The departure revokes it beside her IAM users; this module seeds it, reads it back from moto and
 * checks what the handlers did.
 */

/**
 * `IDENTITY_STORE_ID`. moto names its default instance's store `d-` + 10 letters and digits, which the setting's
 * validation refuses (AWS's ids are `d-` + 10 hex digits); moto's identitystore keeps a store for any id it is
 * given, and its sso-admin checks no principal against a store, so the demo uses an id of AWS's shape.
 */
export const IDENTITY_STORE_ID = 'd-9067c0ffee';
export const GROUP = 'engineering';
/** A hand-formatted statement of PlatformAdmin's inline policy: the departure must keep its bytes. */
export const TEAM_BUCKETS = `{ "Sid": "TeamBuckets", "Effect": "Allow",
      "Action": ["s3:GetObject",  "s3:PutObject"], "Resource": "arn:aws:s3:::team-*/*" }`;
const PLATFORM_ADMIN_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    ${TEAM_BUCKETS}
  ]
}`;

const MANAGED_SID = 'OffboardingRevokedUsers';

/** Seeds the Identity Center instance (moto's unauthenticated credentials, the home account). */
export async function seedIdentityCenter(moto: Moto, region: string): Promise<IdentityCenterSeed> {
  const { identitystore: ids, ssoAdmin: sso } = motoClients(moto).identityCenter(region);
  const instanceArn = (await sso.send(new ListInstancesCommand({}))).Instances?.[0]?.InstanceArn;
  if (!instanceArn) throw new Error('moto has no Identity Center instance');
  const identityStoreId = IDENTITY_STORE_ID;
  const seed = identityCenterSeed({ ids, sso, identityStoreId, instanceArn });
  const user = (person: { name: string; email: string }) =>
    seed.user(person.email, person.email, person.name);
  const [janeId, samId, groupId, adminArn, developerArn] = await Promise.all([
    user(JANE),
    user(SAM),
    seed.group(GROUP),
    seed.permissionSet('PlatformAdmin', PLATFORM_ADMIN_POLICY, 'PT8H'),
    seed.permissionSet('Developer', '', 'PT8H'),
  ]);
  const assign = seed.assign;
  const member = (userId: string) => seed.join(userId, groupId);
  await Promise.all([
    member(janeId),
    member(samId),
    assign(janeId, 'USER', adminArn, HOME_ACCOUNT),
    assign(groupId, 'GROUP', developerArn, MEMBER_ACCOUNT),
  ]);
  return {
    instanceArn,
    identityStoreId,
    users: [
      { userName: JANE.email, userId: janeId, who: `${JANE.name} (${JANE.employeeId})` },
      { userName: SAM.email, userId: samId, who: `${SAM.name} (${SAM.employeeId})` },
    ],
    group: { name: GROUP, groupId, members: [JANE.email, SAM.email] },
    permissionSets: [
      {
        name: 'PlatformAdmin',
        arn: adminArn,
        accountId: HOME_ACCOUNT,
        via: 'direct',
        inlinePolicy: PLATFORM_ADMIN_POLICY,
      },
      {
        name: 'Developer',
        arn: developerArn,
        accountId: MEMBER_ACCOUNT,
        via: `group ${GROUP}`,
        inlinePolicy: '',
      },
    ],
  };
}

/** The seeded user of `userName`. Throws when the seed changed and it is gone: a bug in the demo. */
export function idcUserOf(seed: IdentityCenterSeed, userName: string) {
  const user = seed.users.find((u) => u.userName === userName);
  if (!user) throw new Error(`demo seed has no Identity Center user ${userName}`);
  return user;
}

/** The emulator's Identity Center, read with the operator's key (the demo's own reads, not the handlers'). */
export interface IdcReader {
  readonly seed: IdentityCenterSeed;
  readonly clients: IdentityCenterClients;
}

const setName = (seed: IdentityCenterSeed, arn: string | undefined) =>
  seed.permissionSets.find((p) => p.arn === arn)?.name ?? arn ?? '?';

async function assignments(r: IdcReader, type: 'USER' | 'GROUP', principalId: string): Promise<string[]> {
  const out = await r.clients.ssoAdmin.send(
    new ListAccountAssignmentsForPrincipalCommand({
      InstanceArn: r.seed.instanceArn,
      PrincipalId: principalId,
      PrincipalType: type,
    }),
  );
  return (out.AccountAssignments ?? [])
    .map((a) => `${a.AccountId} ${setName(r.seed, a.PermissionSetArn)}`)
    .sort();
}

async function userNameOf(ids: IdentitystoreClient, storeId: string, userId: string): Promise<string> {
  const out = await ids.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: userId }));
  return out.UserName ?? userId;
}

/** What `userId` can use now: direct assignments, groups; and the seeded group's own assignments and members. */
export async function readIdcAccess(r: IdcReader, userId: string): Promise<IdcAccess> {
  const { identitystore: ids } = r.clients;
  const storeId = r.seed.identityStoreId;
  const { groupId } = r.seed.group;
  const [direct, memberships, groupAssignments, members] = await Promise.all([
    assignments(r, 'USER', userId),
    ids.send(
      new ListGroupMembershipsForMemberCommand({ IdentityStoreId: storeId, MemberId: { UserId: userId } }),
    ),
    assignments(r, 'GROUP', groupId),
    ids.send(new ListGroupMembershipsCommand({ IdentityStoreId: storeId, GroupId: groupId })),
  ]);
  const groupMembers = await Promise.all(
    (members.GroupMemberships ?? []).map((m) => userNameOf(ids, storeId, m.MemberId?.UserId ?? '')),
  );
  return {
    direct,
    groups: (memberships.GroupMemberships ?? [])
      .map((m) => (m.GroupId === groupId ? r.seed.group.name : (m.GroupId ?? '?')))
      .sort(),
    groupAssignments,
    groupMembers: groupMembers.sort(),
  };
}

/**
 * The ids of the managed statement, parsed here (not with the code under test): a `Deny` of `*` on `*` with
 * `StringEquals` `identitystore:userId`; none when the policy has no such statement.
 */
export function revokedIdsOf(policy: string): string[] {
  if (!policy.trim()) return [];
  const doc = JSON.parse(policy) as { Statement?: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as {
    Sid?: string;
    Effect?: string;
    Action?: unknown;
    Resource?: unknown;
    Condition?: { StringEquals?: Record<string, unknown> };
  }[];
  const managed = statements.find(
    (s) => s?.Sid === MANAGED_SID && s.Effect === 'Deny' && s.Action === '*' && s.Resource === '*',
  );
  const ids = managed?.Condition?.StringEquals?.['identitystore:userId'];
  return Array.isArray(ids) ? ids.map(String) : typeof ids === 'string' ? [ids] : [];
}

/** A policy up to the end of its last statement: the bytes a statement appended after it leaves unchanged. */
const untilLastStatement = (policy: string) =>
  policy.slice(0, policy.lastIndexOf('}', policy.lastIndexOf(']')) + 1);

/** Each seeded permission set's inline policy now, its managed statement's ids, its earlier bytes kept. */
export function readPermissionSets(r: IdcReader): Promise<IdcSetAfter[]> {
  return Promise.all(
    r.seed.permissionSets.map(async (p) => {
      const out = await r.clients.ssoAdmin.send(
        new GetInlinePolicyForPermissionSetCommand({
          InstanceArn: r.seed.instanceArn,
          PermissionSetArn: p.arn,
        }),
      );
      const inlinePolicy = out.InlinePolicy ?? '';
      let revokedIds: string[] = [];
      try {
        revokedIds = revokedIdsOf(inlinePolicy);
      } catch {
        // Not JSON: no statement (the proof then fails, showing the policy).
      }
      return {
        name: p.name,
        arn: p.arn,
        inlinePolicy,
        revokedIds,
        keptBefore: !p.inlinePolicy || inlinePolicy.startsWith(untilLastStatement(p.inlinePolicy)),
      };
    }),
  );
}

/** The run's Identity Center revocation record (the state table), as the revocation worker left it. */
export async function readIdcRecord(
  config: Pick<Config, 'stateTable'>,
  ddb: Parameters<typeof idcHistory>[0]['ddb'],
  user: { userId: string; userName: string },
  runId: string,
): Promise<DepartureIdentityCenter['record']> {
  const history = await idcHistory({ ddb, stateTable: config.stateTable }, user);
  const record = history.revocations.find((r) => r.runId === runId);
  return { outcome: record?.outcome, steps: record?.results ?? [] };
}

/** The `identity-center` entry of the completion notification's coverage. */
export function completionEntry(coverage: Coverage | undefined): DepartureIdentityCenter['completion'] {
  const entry = coverage?.accounts.find((a) => a.accountId === 'identity-center');
  if (!entry) return undefined;
  return {
    outcome: entry.outcome,
    principals: entry.principals.map((p) => ({ name: p.principal.name, arn: p.principal.arn })),
    notes: entry.notes,
  };
}

const proof = (claim: string, ok: boolean, evidence: string): Proof => ({ claim, ok, evidence });

/** The Identity Center proofs of the departure, each checked on what was read back. */
export function identityCenterProofs(
  seed: IdentityCenterSeed,
  f: DepartureIdentityCenter,
  provisioning: readonly ProvisioningExchange[],
): Proof[] {
  const { userId } = f.user;
  const sam = idcUserOf(seed, SAM.email);
  const admin = seed.permissionSets.find((p) => p.via === 'direct');
  const viaGroup = seed.permissionSets.find((p) => p.via !== 'direct');
  const assigned = (p: typeof admin) => (p ? `${p.accountId} ${p.name}` : '?');
  const access = (a: IdcAccess) =>
    `direct ${a.direct.join(', ') || 'none'}; groups ${a.groups.join(', ') || 'none'}; ${seed.group.name}: ${
      a.groupAssignments.join(', ') || 'no assignment'
    }, members ${a.groupMembers.join(', ') || 'none'}`;
  const steps = (type: string) => f.record.steps.filter((s) => s.type === type);
  const provisioned = steps('provision-permission-set');
  const polled = (arn: string) =>
    provisioning.filter((p) => p.permissionSetArn === arn && p.polls > 0).length;
  const manual = f.completion?.notes.filter((n) => n.startsWith('to do by hand: ')) ?? [];
  return [
    proof(
      `Identity Center: every permission set she could use holds ${MANAGED_SID} with her user id; earlier statements keep their bytes`,
      f.permissionSets.length === seed.permissionSets.length &&
        f.permissionSets.every((p) => p.revokedIds.includes(userId) && p.keptBefore),
      f.permissionSets
        .map(
          (p) =>
            `${p.name}: ids [${p.revokedIds.join(', ')}]${p.keptBefore ? '' : ', earlier statements CHANGED'}`,
        )
        .join('; '),
    ),
    proof(
      `Identity Center: her direct assignment and her membership of ${seed.group.name} are gone (read back from moto); the group keeps its assignment and Sam`,
      !!admin &&
        !!viaGroup &&
        f.before.direct.includes(assigned(admin)) &&
        f.before.groups.includes(seed.group.name) &&
        f.before.groupAssignments.includes(assigned(viaGroup)) &&
        f.after.direct.length === 0 &&
        f.after.groups.length === 0 &&
        f.after.groupAssignments.includes(assigned(viaGroup)) &&
        f.after.groupMembers.join(',') === sam.userName,
      `before: ${access(f.before)} | after: ${access(f.after)}`,
    ),
    proof(
      'Identity Center: each permission set is provisioned and waited for until SUCCEEDED',
      f.record.outcome === 'revoked' &&
        provisioned.length === seed.permissionSets.length &&
        provisioned.every((s) => s.outcome === 'done' && s.detail === 'provisioning SUCCEEDED') &&
        seed.permissionSets.every((p) => polled(p.arn) > 0),
      `record ${f.record.outcome ?? 'missing'}; ${
        provisioned
          .map((s) => `${setName(seed, s.subject)} ${s.outcome}: ${s.detail ?? s.error ?? ''}`)
          .join('; ') || 'no provisioning step'
      }; status polls ${provisioning.map((p) => `${setName(seed, p.permissionSetArn)} ${p.polls}`).join(', ') || 'none'}`,
    ),
    proof(
      'the report names the manual step: disable her in the identity provider and in the Identity Center console',
      f.completion?.outcome === 'revoked' &&
        manual.some((m) => /disable the user in the identity provider/.test(m)) &&
        manual.some((m) => /IAM Identity Center console/.test(m)),
      manual.join(' | ') ||
        `no manual step in the completion notification (${f.completion ? 'Identity Center reported' : 'no Identity Center entry'})`,
    ),
  ];
}
