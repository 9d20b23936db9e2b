import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  DescribeUserCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { IdcDeps } from '../../../src/identity-center';

/**
 * An in-memory Identity Center and state table behind aws-sdk-client-mock, for the unit tests: users, group
 * memberships, assignments, permission sets with inline policies, provisioning statuses, and a table that honours
 * the lock's conditions (`attribute_not_exists(pk) OR expiresAt < :now` on put, `#owner = :owner` on delete).
 * `policyReadDelayMs` widens the read-modify-write window so concurrent writers overlap.
 */

export const INSTANCE = 'arn:aws:sso:::instance/ssoins-0123456789abcdef';
export const STORE = 'd-1234567890';
export const NOW = new Date('2026-11-30T12:00:00.000Z');
export const psArn = (name: string) =>
  `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-${name.padEnd(16, '0')}`;

export interface FakeUser {
  readonly userId: string;
  readonly userName: string;
  readonly email: string;
}

export interface FakeState {
  users: FakeUser[];
  memberships: { membershipId: string; groupId: string; userId: string }[];
  assignments: {
    principalId: string;
    principalType: 'USER' | 'GROUP';
    accountId: string;
    permissionSetArn: string;
  }[];
  policies: Map<string, string>;
  provisioned: Map<string, string[]>;
  items: Map<string, Record<string, unknown>>;
  /** What Describe answers per poll (default SUCCEEDED); ProvisionPermissionSet answers `provisionAnswer`. */
  provisionAnswer: string;
  describeAnswers: string[];
  policyReadDelayMs: number;
}

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (pk: unknown, sk: unknown) => `${String(pk)}|${String(sk)}`;

function answerTable(ddb: ReturnType<typeof mockClient>, s: FakeState): void {
  ddb
    .on(PutCommand)
    .callsFake(
      async (input: {
        Item: Record<string, unknown>;
        ExpressionAttributeValues?: Record<string, number>;
      }) => {
        const existing = s.items.get(key(input.Item.pk, input.Item.sk));
        const now = input.ExpressionAttributeValues?.[':now'];
        if (now !== undefined && existing && !((existing.expiresAt as number) < now)) throw conditionFailed();
        s.items.set(key(input.Item.pk, input.Item.sk), { ...input.Item });
        return {};
      },
    );
  ddb
    .on(DeleteCommand)
    .callsFake(
      async (input: {
        Key: { pk: string; sk: string };
        ExpressionAttributeValues?: Record<string, string>;
      }) => {
        const existing = s.items.get(key(input.Key.pk, input.Key.sk));
        const owner = input.ExpressionAttributeValues?.[':owner'];
        if (owner !== undefined && existing?.owner !== owner) throw conditionFailed();
        s.items.delete(key(input.Key.pk, input.Key.sk));
        return {};
      },
    );
  ddb
    .on(UpdateCommand)
    .callsFake(
      async (input: {
        Key: { pk: string; sk: string };
        ExpressionAttributeValues: Record<string, unknown>;
      }) => {
        const item = s.items.get(key(input.Key.pk, input.Key.sk));
        const v = input.ExpressionAttributeValues;
        if (item)
          Object.assign(item, { status: v[':finished'], outcome: v[':outcome'], results: v[':results'] });
        return {};
      },
    );
  ddb
    .on(QueryCommand)
    .callsFake(
      async (input: { ExpressionAttributeValues: { ':pk': string }; ScanIndexForward?: boolean }) => {
        const items = [...s.items.values()].filter((i) => i.pk === input.ExpressionAttributeValues[':pk']);
        items.sort(
          (a, b) => String(a.sk).localeCompare(String(b.sk)) * (input.ScanIndexForward === false ? -1 : 1),
        );
        return { Items: items.map((i) => ({ ...i })) };
      },
    );
}

function answerIdentityStore(ids: ReturnType<typeof mockClient>, s: FakeState): void {
  ids
    .on(GetUserIdCommand)
    .callsFake(
      async (input: {
        AlternateIdentifier: { UniqueAttribute: { AttributePath: string; AttributeValue: string } };
      }) => {
        const { AttributePath, AttributeValue } = input.AlternateIdentifier.UniqueAttribute;
        const u = s.users.find(
          (x) => (AttributePath === 'userName' ? x.userName : x.email) === AttributeValue,
        );
        if (!u) throw notFound();
        return { UserId: u.userId, IdentityStoreId: STORE };
      },
    );
  ids.on(DescribeUserCommand).callsFake(async (input: { UserId: string }) => {
    const u = s.users.find((x) => x.userId === input.UserId);
    if (!u) throw notFound();
    return {
      UserId: u.userId,
      UserName: u.userName,
      Emails: [{ Value: u.email, Primary: true }],
      IdentityStoreId: STORE,
    };
  });
  ids.on(ListGroupMembershipsForMemberCommand).callsFake(async (input: { MemberId: { UserId: string } }) => ({
    GroupMemberships: s.memberships
      .filter((m) => m.userId === input.MemberId.UserId)
      .map((m) => ({ MembershipId: m.membershipId, GroupId: m.groupId, MemberId: { UserId: m.userId } })),
  }));
  ids.on(DeleteGroupMembershipCommand).callsFake(async (input: { MembershipId: string }) => {
    if (!s.memberships.some((m) => m.membershipId === input.MembershipId)) throw notFound();
    s.memberships = s.memberships.filter((m) => m.membershipId !== input.MembershipId);
    return {};
  });
  ids
    .on(CreateGroupMembershipCommand)
    .callsFake(async (input: { GroupId: string; MemberId: { UserId: string } }) => {
      const membershipId = `m-${s.memberships.length + 1}-${input.GroupId}`;
      s.memberships.push({ membershipId, groupId: input.GroupId, userId: input.MemberId.UserId });
      return { MembershipId: membershipId, IdentityStoreId: STORE };
    });
}

type AssignmentInput = {
  PrincipalId: string;
  PrincipalType: 'USER' | 'GROUP';
  TargetId: string;
  PermissionSetArn: string;
};
const sameAssignment = (i: AssignmentInput) => (a: FakeState['assignments'][number]) =>
  a.principalId === i.PrincipalId &&
  a.principalType === i.PrincipalType &&
  a.accountId === i.TargetId &&
  a.permissionSetArn === i.PermissionSetArn;

function answerAssignments(sso: ReturnType<typeof mockClient>, s: FakeState): void {
  sso
    .on(ListAccountAssignmentsForPrincipalCommand)
    .callsFake(async (input: { PrincipalId: string; PrincipalType: string }) => ({
      AccountAssignments: s.assignments
        .filter((a) => a.principalId === input.PrincipalId && a.principalType === input.PrincipalType)
        .map((a) => ({
          AccountId: a.accountId,
          PermissionSetArn: a.permissionSetArn,
          PrincipalId: a.principalId,
          PrincipalType: a.principalType,
        })),
    }));
  sso.on(DeleteAccountAssignmentCommand).callsFake(async (input: AssignmentInput) => {
    if (!s.assignments.some(sameAssignment(input))) throw notFound();
    s.assignments = s.assignments.filter((a) => !sameAssignment(input)(a));
    return { AccountAssignmentDeletionStatus: { Status: 'SUCCEEDED', RequestId: 'del-1' } };
  });
  sso.on(CreateAccountAssignmentCommand).callsFake(async (input: AssignmentInput) => {
    const {
      PrincipalId: principalId,
      PrincipalType: principalType,
      TargetId: accountId,
      PermissionSetArn: permissionSetArn,
    } = input;
    s.assignments.push({ principalId, principalType, accountId, permissionSetArn });
    return { AccountAssignmentCreationStatus: { Status: 'SUCCEEDED', RequestId: 'create-1' } };
  });
}

function answerPermissionSets(sso: ReturnType<typeof mockClient>, s: FakeState): void {
  sso.on(GetInlinePolicyForPermissionSetCommand).callsFake(async (input: { PermissionSetArn: string }) => {
    const policy = s.policies.get(input.PermissionSetArn) ?? '';
    if (s.policyReadDelayMs) await sleep(s.policyReadDelayMs);
    return { InlinePolicy: policy };
  });
  sso
    .on(PutInlinePolicyToPermissionSetCommand)
    .callsFake(async (input: { PermissionSetArn: string; InlinePolicy: string }) => {
      s.policies.set(input.PermissionSetArn, input.InlinePolicy);
      return {};
    });
  sso
    .on(DeleteInlinePolicyFromPermissionSetCommand)
    .callsFake(async (input: { PermissionSetArn: string }) => {
      s.policies.delete(input.PermissionSetArn);
      return {};
    });
  sso
    .on(ListAccountsForProvisionedPermissionSetCommand)
    .callsFake(async (input: { PermissionSetArn: string }) => ({
      AccountIds: s.provisioned.get(input.PermissionSetArn) ?? [],
    }));
  sso.on(ProvisionPermissionSetCommand).callsFake(async (input: { PermissionSetArn: string }) => ({
    PermissionSetProvisioningStatus: {
      Status: s.provisionAnswer,
      RequestId: `prov-${input.PermissionSetArn.slice(-4)}`,
      PermissionSetArn: input.PermissionSetArn,
    },
  }));
  sso
    .on(DescribePermissionSetProvisioningStatusCommand)
    .callsFake(async (input: { ProvisionPermissionSetRequestId: string }) => {
      const Status = s.describeAnswers.shift() ?? 'SUCCEEDED';
      const why = Status === 'FAILED' ? { FailureReason: 'role policy too large' } : {};
      return {
        PermissionSetProvisioningStatus: { Status, RequestId: input.ProvisionPermissionSetRequestId, ...why },
      };
    });
}

/** The fake: its state, the mocks (to assert on commands), and deps that use them. */
export function fakeIdentityCenter() {
  const ids = mockClient(IdentitystoreClient);
  const sso = mockClient(SSOAdminClient);
  const ddb = mockClient(DynamoDBDocumentClient);
  const state = {} as FakeState;
  const reset = () => {
    ids.reset();
    sso.reset();
    ddb.reset();
    Object.assign(state, {
      users: [],
      memberships: [],
      assignments: [],
      policies: new Map(),
      provisioned: new Map(),
      items: new Map(),
      provisionAnswer: 'IN_PROGRESS',
      describeAnswers: [],
      policyReadDelayMs: 0,
    } satisfies FakeState);
    answerTable(ddb, state);
    answerIdentityStore(ids as unknown as ReturnType<typeof mockClient>, state);
    answerAssignments(sso, state);
    answerPermissionSets(sso, state);
  };
  reset();
  const deps = (overrides: Partial<IdcDeps> = {}): IdcDeps => ({
    identitystore: new IdentitystoreClient({ region: 'us-east-1' }),
    ssoAdmin: new SSOAdminClient({ region: 'us-east-1' }),
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    stateTable: 'offboarding-state',
    identityStoreId: STORE,
    instanceArn: INSTANCE,
    protectedPrincipals: [],
    dryRun: false,
    now: NOW,
    timing: { sleep: async () => undefined, pollMs: 1, lockRetryMs: 1 },
    ...overrides,
  });
  return { ids, sso, ddb, state, reset, deps };
}

/** Seeds a user with a direct assignment on `direct` and a membership of `group`, which is assigned `viaGroup`. */
export function seedUser(
  s: FakeState,
  user: FakeUser,
  options: { direct?: string; group?: string; viaGroup?: string; account?: string } = {},
): void {
  const accountId = options.account ?? '111111111111';
  s.users.push(user);
  if (options.direct) {
    s.assignments.push({
      principalId: user.userId,
      principalType: 'USER',
      accountId,
      permissionSetArn: options.direct,
    });
    s.provisioned.set(options.direct, [accountId]);
  }
  if (options.group)
    s.memberships.push({
      membershipId: `m-${user.userId.slice(0, 8)}`,
      groupId: options.group,
      userId: user.userId,
    });
  if (options.group && options.viaGroup && !s.assignments.some((a) => a.principalId === options.group)) {
    s.assignments.push({
      principalId: options.group,
      principalType: 'GROUP',
      accountId: '222222222222',
      permissionSetArn: options.viaGroup,
    });
    s.provisioned.set(options.viaGroup, ['222222222222']);
  }
}
