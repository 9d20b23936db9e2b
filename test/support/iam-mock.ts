import {
  AttachUserPolicyCommand,
  DeactivateMFADeviceCommand,
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import type { SweepDeps } from '../../src/sweep/types';
import { testConfig } from '../../tools/testing/config';

export const ACCOUNT = '123456789012';
export const NOW = new Date('2026-11-29T12:00:00.000Z');

export const noSuchEntity = (message = 'not found') => new NoSuchEntityException({ message, $metadata: {} });

/** A user as the mocked IAM describes it. */
export interface FakeUser {
  userName: string;
  keys?: { id: string; status?: 'Active' | 'Inactive' }[];
  attached?: string[];
  inline?: string[];
  loginProfile?: boolean;
  mfa?: string[];
  tags?: Record<string, string>;
  path?: string;
}

type Stub = ReturnType<typeof mockClient>;

export interface Mocks {
  iam: Stub;
  ssm: Stub;
  sns: Stub;
  ddb: Stub;
  deps(config?: Partial<Config>): SweepDeps;
}

/** Mocks every client the engine uses (IAM, SSM, SNS, DynamoDB document client); reset per test. */
export function mockAws(): Mocks {
  const iam = mockClient(IAMClient);
  const ssm = mockClient(SSMClient);
  const sns = mockClient(SNSClient);
  const ddb = mockClient(DynamoDBDocumentClient);
  return {
    iam,
    ssm,
    sns,
    ddb,
    deps: (config = {}) => ({
      config: testConfig(config),
      clients: makeClients({ region: 'us-east-1' }),
      now: NOW,
    }),
  };
}

/** Default answers: SNS publish, DynamoDB writes, no SSM sessions. */
export function answerDefaults(m: Mocks): void {
  m.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  m.ddb.on(PutCommand).resolves({});
  m.ddb.on(UpdateCommand).resolves({});
  m.ddb.on(QueryCommand).resolves({ Items: [] });
  m.ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  m.iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], IsTruncated: false });
}

/**
 * Makes the mocked IAM behave as a small fake holding `user`: reads answer from the fake's state and the
 * engine's writes change it, so verification by re-reading sees what the writes did.
 */
export function answerUser(m: Mocks, user: FakeUser): FakeUser {
  const state: FakeUser = structuredClone(user);
  const U = { UserName: user.userName };
  const arn = `arn:aws:iam::${ACCOUNT}:user${user.path ?? '/'}${user.userName}`;
  m.iam.on(GetUserCommand, U).resolves({
    User: {
      UserName: user.userName,
      UserId: `AIDA${user.userName.toUpperCase()}`,
      Arn: arn,
      Path: user.path ?? '/',
      CreateDate: new Date('2025-01-01T00:00:00Z'),
    },
  });
  m.iam.on(ListAttachedUserPoliciesCommand, U).callsFake(async () => ({
    AttachedPolicies: (state.attached ?? []).map((a) => ({ PolicyArn: a, PolicyName: a.split('/').pop() })),
    IsTruncated: false,
  }));
  m.iam
    .on(ListUserPoliciesCommand, U)
    .callsFake(async () => ({ PolicyNames: state.inline ?? [], IsTruncated: false }));
  m.iam.on(ListAccessKeysCommand, U).callsFake(async () => ({
    AccessKeyMetadata: (state.keys ?? []).map((k) => ({
      AccessKeyId: k.id,
      Status: k.status ?? 'Active',
      UserName: user.userName,
      CreateDate: new Date('2025-06-01T00:00:00Z'),
    })),
    IsTruncated: false,
  }));
  m.iam.on(GetLoginProfileCommand, U).callsFake(async () => {
    if (!state.loginProfile) throw noSuchEntity('no login profile');
    return { LoginProfile: { UserName: user.userName, CreateDate: new Date() } };
  });
  m.iam.on(ListMFADevicesCommand, U).callsFake(async () => ({
    MFADevices: (state.mfa ?? []).map((SerialNumber) => ({
      SerialNumber,
      UserName: user.userName,
      EnableDate: new Date(),
    })),
    IsTruncated: false,
  }));
  m.iam.on(ListSSHPublicKeysCommand, U).resolves({ SSHPublicKeys: [], IsTruncated: false });
  m.iam.on(ListSigningCertificatesCommand, U).resolves({ Certificates: [], IsTruncated: false });
  m.iam.on(ListServiceSpecificCredentialsCommand, U).resolves({ ServiceSpecificCredentials: [] });
  m.iam.on(ListUserTagsCommand, U).callsFake(async () => ({
    Tags: Object.entries(state.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    IsTruncated: false,
  }));
  for (const k of user.keys ?? []) {
    m.iam.on(GetAccessKeyLastUsedCommand, { AccessKeyId: k.id }).resolves({
      UserName: user.userName,
      AccessKeyLastUsed: {
        LastUsedDate: new Date('2026-11-01T00:00:00Z'),
        ServiceName: 's3',
        Region: 'us-east-1',
      },
    });
  }
  m.iam.on(AttachUserPolicyCommand, U).callsFake(async (input: { PolicyArn: string }) => {
    state.attached = [...new Set([...(state.attached ?? []), input.PolicyArn])];
    return {};
  });
  m.iam.on(DetachUserPolicyCommand, U).callsFake(async (input: { PolicyArn: string }) => {
    if (!state.attached?.includes(input.PolicyArn)) throw noSuchEntity('not attached');
    state.attached = state.attached.filter((a) => a !== input.PolicyArn);
    return {};
  });
  m.iam.on(PutUserPolicyCommand, U).callsFake(async (input: { PolicyName: string }) => {
    state.inline = [...new Set([...(state.inline ?? []), input.PolicyName])];
    return {};
  });
  m.iam.on(DeleteUserPolicyCommand, U).callsFake(async (input: { PolicyName: string }) => {
    if (!state.inline?.includes(input.PolicyName)) throw noSuchEntity('no such inline policy');
    state.inline = state.inline.filter((n) => n !== input.PolicyName);
    return {};
  });
  m.iam
    .on(UpdateAccessKeyCommand, U)
    .callsFake(async (input: { AccessKeyId: string; Status: 'Active' | 'Inactive' }) => {
      const key = state.keys?.find((k) => k.id === input.AccessKeyId);
      if (!key) throw noSuchEntity('no such key');
      key.status = input.Status;
      return {};
    });
  m.iam.on(DeleteLoginProfileCommand, U).callsFake(async () => {
    if (!state.loginProfile) throw noSuchEntity('no login profile');
    state.loginProfile = false;
    return {};
  });
  m.iam.on(DeactivateMFADeviceCommand, U).callsFake(async (input: { SerialNumber: string }) => {
    state.mfa = (state.mfa ?? []).filter((s) => s !== input.SerialNumber);
    return {};
  });
  m.iam.on(TagUserCommand, U).callsFake(async (input: { Tags: { Key: string; Value: string }[] }) => {
    state.tags = { ...state.tags, ...Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])) };
    return {};
  });
  return state;
}

/** Makes the mocked IAM describe a role. */
export function answerRole(
  m: Mocks,
  roleName: string,
  options: { tags?: Record<string, string>; path?: string } = {},
) {
  const R = { RoleName: roleName };
  m.iam.on(GetRoleCommand, R).resolves({
    Role: {
      RoleName: roleName,
      RoleId: 'AROAEXAMPLE',
      Arn: `arn:aws:iam::${ACCOUNT}:role${options.path ?? '/'}${roleName}`,
      Path: options.path ?? '/',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: '{}',
    },
  });
  m.iam.on(ListRolePoliciesCommand, R).resolves({ PolicyNames: [], IsTruncated: false });
  m.iam.on(ListAttachedRolePoliciesCommand, R).resolves({ AttachedPolicies: [], IsTruncated: false });
  m.iam.on(ListRoleTagsCommand, R).resolves({
    Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    IsTruncated: false,
  });
  m.iam.on(GetRolePolicyCommand).callsFake(async () => {
    const put = m.iam.commandCalls(PutRolePolicyCommand)[0];
    if (!put) throw noSuchEntity('no role policy');
    const input = put.args[0].input;
    return { RoleName: roleName, PolicyName: input.PolicyName, PolicyDocument: input.PolicyDocument };
  });
}

/** IAM commands that change something (names of the commands sent). */
export function iamWrites(m: Mocks): string[] {
  return m.iam
    .calls()
    .map((c) => c.args[0].constructor.name as string)
    .filter((name) =>
      /^(Attach|Detach|Put|Delete|Update|Create|Tag|Untag|Deactivate|Enable|Remove|Add)/.test(name),
    );
}

/** SSM commands that change something. */
export function ssmWrites(m: Mocks): string[] {
  return m.ssm
    .calls()
    .map((c) => c.args[0].constructor.name as string)
    .filter((name) => !/^(Describe|Get|List)/.test(name));
}

/** Every command sent to any mocked client. */
export function allCalls(m: Mocks): string[] {
  return [m.iam, m.ssm, m.sns, m.ddb].flatMap((s) =>
    s.calls().map((c) => c.args[0].constructor.name as string),
  );
}
