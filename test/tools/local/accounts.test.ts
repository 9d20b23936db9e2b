/**
 * The multi-account harness (tools/local/accounts.ts) on a real moto_server: the account header scopes a
 * client's requests, AssumeRole credentials act on the role's account, the fault proxy refuses AssumeRole
 * into chosen accounts as AWS does, and Organizations accounts are created and listed.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  createMemberRole,
  createOrganizationAccounts,
  denyAssumeRoleInto,
  forAccount,
  listOrganizationAccounts,
  memberAccountClients,
  motoOrganizations,
} from '../../../tools/local/accounts';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../../../tools/local/moto';
import { type FaultProxy, startFaultProxy } from '../../../tools/local/proxy';
import {
  createAdmin,
  createStateTable,
  createTopicWithInbox,
  createUser,
  motoClients,
} from '../../../tools/local/seed';

const B = '222222222222';
const C = '333333333333';
const TESTING = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: Moto;

const iamAt = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = TESTING) =>
  new IAMClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
const stsAt = (endpoint: string) =>
  new STSClient({ region: 'us-east-1', endpoint, credentials: TESTING, maxAttempts: 1 });
const userNames = async (iam: IAMClient) =>
  ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName).sort();
const assumeInto = async (sts: STSClient, account: string, roleName = 'offboarding-member') => {
  const r = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'test' }),
  );
  const c = r.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole: no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
};

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false });
  const central = motoClients(moto);
  await createUser(central.iam, 'central-operator');
  await createUser(forAccount(iamAt(moto.endpoint), B), 'bob-in-b');
  await createMemberRole(forAccount(iamAt(moto.endpoint), B), 'offboarding-member', MOTO_ACCOUNT_ID);
  await createUser(forAccount(iamAt(moto.endpoint), C), 'carol-in-c');
});

afterAll(async () => {
  await moto?.stop();
});

describe('forAccount', () => {
  it('creates a user in the named account and not in the default one', async () => {
    expect(await userNames(forAccount(iamAt(moto.endpoint), B))).toEqual(['bob-in-b']);
    expect(await userNames(iamAt(moto.endpoint))).toEqual(['central-operator']);
    await expect(
      iamAt(moto.endpoint).send(new GetUserCommand({ UserName: 'bob-in-b' })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('re-scopes a client when called again, and rejects what is not an account id', async () => {
    const iam = forAccount(iamAt(moto.endpoint), B);
    forAccount(iam, C);
    expect(await userNames(iam)).toEqual(['carol-in-c']);
    expect(() => forAccount(iamAt(moto.endpoint), '2222')).toThrow(RangeError);
  });
});

describe('memberAccountClients', () => {
  it('scopes every client: IAM, DynamoDB (document client), SNS', async () => {
    const b = memberAccountClients(moto, B);
    const central = motoClients(moto);
    expect(await userNames(b.iam)).toEqual(['bob-in-b']);
    await createStateTable(b.ddb, 'member-state');
    await createTopicWithInbox(b.sns, b.sqs, 'member-topic');
    expect((await b.ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['member-state']);
    expect((await central.ddb.send(new ListTablesCommand({}))).TableNames ?? []).not.toContain(
      'member-state',
    );
    const topicArns = async (c: typeof b) =>
      ((await c.sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn);
    expect(await topicArns(b)).toEqual([`arn:aws:sns:us-east-1:${B}:member-topic`]);
    expect(await topicArns(central)).toEqual([]);
  });
});

describe('createMemberRole', () => {
  it('creates the role in the scoped account, trusting the central account', async () => {
    const role = await forAccount(iamAt(moto.endpoint), B).send(
      new GetRoleCommand({ RoleName: 'offboarding-member' }),
    );
    expect(role.Role?.Arn).toBe(`arn:aws:iam::${B}:role/offboarding-member`);
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '{}'));
    expect(trust.Statement[0].Principal.AWS).toBe(`arn:aws:iam::${MOTO_ACCOUNT_ID}:root`);
    await expect(
      iamAt(moto.endpoint).send(new GetRoleCommand({ RoleName: 'offboarding-member' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });
});

describe('AssumeRole across accounts', () => {
  it("gives credentials that act on the role's account", async () => {
    const creds = await assumeInto(stsAt(moto.endpoint), B);
    const who = await new STSClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: creds,
      maxAttempts: 1,
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(B);
    expect(await userNames(iamAt(moto.endpoint, creds))).toEqual(['bob-in-b']);
  });
});

describe('denyAssumeRoleInto', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: denyAssumeRoleInto([B]) });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('refuses AssumeRole into a listed account as AWS does (403 AccessDenied), and lets others through', async () => {
    const sts = stsAt(proxy.endpoint);
    const arn = `arn:aws:iam::${B}:role/offboarding-member`;
    const err = await assumeInto(sts, B).then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } },
    );
    expect(err?.name).toBe('AccessDenied');
    expect(err?.$metadata.httpStatusCode).toBe(403);
    expect(err?.message).toBe(
      `User: testing is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    // The refusal came from the proxy: moto itself would have answered (see the test above).
    expect(proxy.stats().byOperation['sts:AssumeRole']).toBe(1);

    const creds = await assumeInto(sts, C, 'never-created');
    expect(await userNames(iamAt(proxy.endpoint, creds))).toEqual(['carol-in-c']);
    expect(proxy.stats().byOperation['sts:AssumeRole']).toBe(2);
  });

  it('names the caller given, and ignores other STS calls', async () => {
    const p = await startFaultProxy({
      upstream: moto.endpoint,
      intercept: denyAssumeRoleInto([B, C], { callerArn: 'arn:aws:iam::123456789012:user/operator' }),
    });
    try {
      await expect(assumeInto(stsAt(p.endpoint), C)).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringMatching(/^User: arn:aws:iam::123456789012:user\/operator is not authorized/),
      });
      const who = await stsAt(p.endpoint).send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe(MOTO_ACCOUNT_ID);
    } finally {
      await p.close();
    }
  });
});

describe('createOrganizationAccounts', () => {
  it('creates member accounts that ListAccounts lists as ACTIVE', async () => {
    const ids = await createOrganizationAccounts(moto, ['Dev Team', 'prod']);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^\d{12}$/);
    expect(new Set([...ids, MOTO_ACCOUNT_ID]).size).toBe(3);

    const accounts = await listOrganizationAccounts(motoOrganizations(moto));
    for (const [i, id] of ids.entries()) {
      expect(accounts.find((a) => a.Id === id)).toMatchObject({
        Name: ['Dev Team', 'prod'][i],
        Status: 'ACTIVE',
      });
    }
    expect(accounts.find((a) => a.Id === MOTO_ACCOUNT_ID)?.Status).toBe('ACTIVE');

    // A second call keeps the organization and adds to it.
    const [more] = await createOrganizationAccounts(moto, ['staging']);
    const after = (await listOrganizationAccounts(motoOrganizations(moto))).map((a) => a.Id);
    expect(after).toEqual(expect.arrayContaining([...ids, more]));
    expect(after).toHaveLength(4);
  });

  it("gives each new account moto's OrganizationAccountAccessRole, and an empty ListAccounts", async () => {
    const [id] = await createOrganizationAccounts(moto, ['audit']);
    const role = await forAccount(iamAt(moto.endpoint), id as string).send(
      new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }),
    );
    expect(role.Role?.Arn).toBe(`arn:aws:iam::${id}:role/OrganizationAccountAccessRole`);
    // A member account's view of the organization: moto lists no accounts there.
    const fromMember = await listOrganizationAccounts(forAccount(motoOrganizations(moto), id as string));
    expect(fromMember).toEqual([]);
  });
});

describe('with IAM enforcement on (a separate emulator)', () => {
  let enforced: Moto;
  beforeAll(async () => {
    enforced = await startMoto({ managedPolicies: false });
  });
  afterAll(async () => {
    await enforced?.stop();
  });

  it("authorizes a member role's session by the role; a foreign key with the header is an unknown key", async () => {
    const central = motoClients(enforced);
    const operator = await createAdmin(central.iam);
    const b = memberAccountClients(enforced, B);
    await createUser(b.iam, 'bob-in-b');
    await createMemberRole(b.iam, 'offboarding-member', MOTO_ACCOUNT_ID);
    await enforced.enableIamEnforcement();

    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: enforced.endpoint,
      credentials: operator,
      maxAttempts: 1,
    });
    const creds = await assumeInto(sts, B);
    expect(await userNames(iamAt(enforced.endpoint, creds))).toEqual(['bob-in-b']);
    // The header makes moto look the operator's key up in B, where it does not exist.
    await expect(
      memberAccountClients(enforced, B, operator).iam.send(new ListUsersCommand({})),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  });
});
