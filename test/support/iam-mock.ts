import {
  GetAccountAuthorizationDetailsCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import type { SweepDeps } from '../../src/sweep/types';
import { testConfig } from '../../tools/testing/config';
import { ACCOUNT, FakeIam, type FakeIamOptions, type FakeIamUser, NOW, noSuchEntity } from './fake-iam';

export { ACCOUNT, NOW, noSuchEntity };

/** A user as the mocked IAM describes it (the one fake IAM's user: keys may carry dates). */
export type FakeUser = FakeIamUser;

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
 * engine's writes change it, so verification by re-reading sees what the writes did. The fake is the one fake
 * IAM account ({@link FakeIam}), answering for this user only (matched on its name and its key ids); a key
 * without dates was created 2025-06-01 and last used 2026-11-01; no quota applies. Returns the live state.
 */
export function answerUser(m: Mocks, user: FakeUser): FakeUser {
  // No per-user quota: this fake never answered LimitExceeded (tests that need it say so).
  const fake = new FakeIam({
    managedPolicyQuota: Number.POSITIVE_INFINITY,
    groupQuota: Number.POSITIVE_INFINITY,
  });
  const state = fake.addUser(user);
  fake.answerFor(m.iam, user.userName);
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

/**
 * Makes the mocked IAM one whole fake account ({@link FakeIam}) holding `users`: every IAM command the code
 * sends, for any user, answers from its state. Returns the fake (its users' live state, faults, the report).
 */
export function answerAccount(
  m: Mocks,
  users: readonly FakeUser[] = [],
  options: FakeIamOptions = {},
): FakeIam {
  return new FakeIam(options).addUsers(users).answer(m.iam);
}
