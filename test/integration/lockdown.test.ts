/**
 * Lockdown and restore through the handlers against a real moto_server with IAM enforcement on.
 * SSM Session Manager is mocked (and only SSM): moto has no DescribeSessions/TerminateSession.
 */
import {
  CreateLoginProfileCommand,
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import type { Handler } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import { NotFoundError, NothingToRestoreError } from '../../src/errors';
import { lockdown } from '../../src/operator/lockdown';
import { instrument } from '../../tools/local/instrument';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  ALLOW_ALL,
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  drainInbox,
  type LocalStack,
  motoClients,
  type SeededUser,
} from '../../tools/local/seed';

const ssm = mockClient(SSMClient);
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const ctx = { functionName: 'test', awsRequestId: 'req-1' } as never;

let moto: Moto;
let admin: Credentials;
let stack: LocalStack;
let alice: SeededUser;
let lockdownHandler: Handler;
let restoreHandler: Handler;
const savedEnv = { ...process.env };

const asAdmin = () => motoClients(moto, admin);
const iamAs = (c: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: c, maxAttempts: 1 });
const keyStatuses = async (userName: string) =>
  Object.fromEntries(
    (
      (await asAdmin().iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []
    ).map((k) => [k.AccessKeyId, k.Status]),
  );
const attached = async (userName: string) =>
  (
    (await asAdmin().iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName })))
      .AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  stack = await createLocalStack(setup);
  alice = await createUser(setup.iam, 'alice', {
    tags: { email: 'alice@example.com' },
    keys: 2,
    allowAll: true,
  });
  await setup.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'S3cure-Passw0rd!' }));
  await createUser(setup.iam, 'break-glass', {
    keys: 1,
    allowAll: true,
    tags: { 'offboarding:protected': 'true' },
  });
  await setup.iam.send(
    new CreateRoleCommand({
      RoleName: 'deployer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await moto.enableIamEnforcement();

  Object.assign(process.env, moto.env, {
    AWS_ACCESS_KEY_ID: admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    NOTIFY_TOPIC_ARN: stack.config.notifyTopicArn,
    STATE_TABLE: stack.config.stateTable,
    // The deny group createLocalStack made, as serverless.yml names it to the functions: the handlers read
    // each user's groups (ListGroupsForUser) under enforcement. The quota-full path: deny-group.test.ts.
    DENY_GROUP_NAME: stack.denyGroupName,
  });
  lockdownHandler = (await import('../../handlers/lockdown')).handler as Handler;
  restoreHandler = (await import('../../handlers/restore')).handler as Handler;
});

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

beforeEach(async () => {
  ssm.reset();
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  await drainInbox(asAdmin().sqs, stack.inbox.queueUrl);
});

describe('Handler: lockdown and restore (moto, IAM enforcement on)', () => {
  it("denies the user's own key, deactivates every key, tags the user and notifies once", async () => {
    const own = iamAs(alice.keys[0] as Credentials);
    await expect(own.send(new ListUsersCommand({}))).resolves.toBeDefined();

    const report = (await lockdownHandler(
      {
        target: { userName: 'alice' },
        reason: 'INC-7 key leaked',
        requestedBy: 'secops',
        deleteLoginProfile: true,
      },
      ctx,
      () => undefined,
    )) as RevocationReport;

    expect(report.outcome).toBe('revoked');
    // alice still holds her allow-all policy: only an explicit deny can refuse her now.
    await expect(own.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('not authorized to perform: iam:ListUsers'),
    });
    expect(await attached('alice')).toContain(DENY);
    expect(Object.values(await keyStatuses('alice'))).toEqual(['Inactive', 'Inactive']);
    const tags = Object.fromEntries(
      ((await asAdmin().iam.send(new ListUserTagsCommand({ UserName: 'alice' }))).Tags ?? []).map((t) => [
        t.Key,
        t.Value,
      ]),
    );
    expect(tags).toMatchObject({
      'offboarding:state': 'revoked',
      'offboarding:run': report.runId,
      'offboarding:trigger': 'lockdown',
    });
    const inbox = await drainInbox(asAdmin().sqs, stack.inbox.queueUrl);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.attributes).toEqual({ trigger: 'lockdown', outcome: 'revoked', severity: 'high' });
    expect(JSON.parse(inbox[0]?.message ?? '{}')).toMatchObject({ runId: report.runId, outcome: 'revoked' });
  });

  it('reports every step already on a second lockdown and writes nothing to IAM but the tags', async () => {
    const clients = asAdmin();
    const log = instrument([clients.iam]);

    const report = (await lockdown(
      {
        target: { userName: 'alice' },
        reason: 'INC-7 again',
        requestedBy: 'secops',
        deleteLoginProfile: true,
      },
      { config: stack.config, clients, now: new Date() },
    )) as RevocationReport;

    const steps = report.principals[0]?.steps ?? [];
    expect(steps.filter((s) => s.type !== 'tag-principal').map((s) => s.outcome)).toEqual(
      steps.filter((s) => s.type !== 'tag-principal').map(() => 'already'),
    );
    expect(steps.length).toBeGreaterThan(4);
    expect(log.writes()).toEqual(['IAM:TagUser']);
    expect(report.outcome).toBe('revoked');
  });

  it('undoes one run a call: the second lockdown first, which changed only its tags and leaves the first in force', async () => {
    const report = (await restoreHandler(
      { target: { userName: 'alice' }, reason: 'INC-7 closed', requestedBy: 'secops' },
      ctx,
      () => undefined,
    )) as RestoreReport;

    expect(report.outcome).toBe('restored');
    expect(report.steps).toEqual([]);
    expect(report.keptInForce.join('\n')).toMatch(/also held by the unrestored lockdown run/);
    expect(await attached('alice')).toContain(DENY);
    expect(Object.values(await keyStatuses('alice'))).toEqual(['Inactive', 'Inactive']);
    await drainInbox(asAdmin().sqs, stack.inbox.queueUrl);
  });

  it("restores the saved state: the same key ids Active, the deny gone, the user's key working again", async () => {
    const before = await keyStatuses('alice');

    const report = (await restoreHandler(
      { target: { userName: 'alice' }, reason: 'INC-7 closed', requestedBy: 'secops' },
      ctx,
      () => undefined,
    )) as RestoreReport;

    expect(report.outcome).toBe('restored');
    expect(Object.keys(await keyStatuses('alice')).sort()).toEqual(Object.keys(before).sort());
    expect(await keyStatuses('alice')).toEqual(
      Object.fromEntries(alice.keys.map((k) => [k.accessKeyId, 'Active'])),
    );
    expect(await attached('alice')).not.toContain(DENY);
    await expect(iamAs(alice.keys[1] as Credentials).send(new ListUsersCommand({}))).resolves.toBeDefined();
    expect(report.undoes).toHaveLength(1);
    expect(report.notRestored.join('\n')).toContain('login profile of alice was deleted');
    const tags = Object.fromEntries(
      ((await asAdmin().iam.send(new ListUserTagsCommand({ UserName: 'alice' }))).Tags ?? []).map((t) => [
        t.Key,
        t.Value,
      ]),
    );
    expect(tags['offboarding:state']).toBe('restored');
    const inbox = await drainInbox(asAdmin().sqs, stack.inbox.queueUrl);
    expect(inbox.map((n) => n.attributes.trigger)).toEqual(['restore']);
  });

  it('refuses a second restore clearly: nothing left to undo', async () => {
    await expect(
      restoreHandler(
        { target: { userName: 'alice' }, reason: 'again', requestedBy: 'secops' },
        ctx,
        () => undefined,
      ),
    ).rejects.toBeInstanceOf(NothingToRestoreError);
  });

  it('reactivates only the keys it deactivated: a key Inactive before the lockdown stays Inactive', async () => {
    const setup = asAdmin();
    const carol = await createUser(setup.iam, 'carol', { keys: 2 });
    const [first, second] = carol.keys as [Credentials, Credentials];
    await setup.iam.send(
      new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'allow-all', PolicyDocument: ALLOW_ALL }),
    );
    const { UpdateAccessKeyCommand } = await import('@aws-sdk/client-iam');
    await setup.iam.send(
      new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: second.accessKeyId, Status: 'Inactive' }),
    );

    await lockdownHandler(
      { target: { accessKeyId: first.accessKeyId }, reason: 'r', requestedBy: 'secops' },
      ctx,
      () => undefined,
    );
    expect(await keyStatuses('carol')).toEqual({
      [first.accessKeyId]: 'Inactive',
      [second.accessKeyId]: 'Inactive',
    });
    await restoreHandler(
      { target: { userName: 'carol' }, reason: 'r', requestedBy: 'secops' },
      ctx,
      () => undefined,
    );

    expect(await keyStatuses('carol')).toEqual({
      [first.accessKeyId]: 'Active',
      [second.accessKeyId]: 'Inactive',
    });
  });

  it('finds the owner of an access key, and answers an unknown key with NotFoundError and no write', async () => {
    await expect(
      lockdownHandler(
        { target: { accessKeyId: 'AKIAUNKNOWN000000000' }, reason: 'r', requestedBy: 'secops' },
        ctx,
        () => undefined,
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await keyStatuses('alice')).toEqual(
      Object.fromEntries(alice.keys.map((k) => [k.accessKeyId, 'Active'])),
    );
  });

  it('answers an unknown user or role with NotFoundError and no write, for lockdown and restore', async () => {
    for (const target of [{ userName: 'nobody' }, { roleName: 'no-role' }]) {
      await expect(
        lockdownHandler({ target, reason: 'INC-9', requestedBy: 'secops' }, ctx, () => undefined),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        restoreHandler({ target, reason: 'INC-9', requestedBy: 'secops' }, ctx, () => undefined),
      ).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('does not touch a protected user', async () => {
    const report = (await lockdownHandler(
      { target: { userName: 'break-glass' }, reason: 'r', requestedBy: 'secops' },
      ctx,
      () => undefined,
    )) as RevocationReport;
    expect(report.outcome).toBe('protected');
    expect(await attached('break-glass')).toEqual([]);
    expect(Object.values(await keyStatuses('break-glass'))).toEqual(['Active']);
  });

  it("locks a role with the run's TokenIssueTime deny and terminates its sessions, then restores it", async () => {
    const prefix = 'arn:aws:sts::123456789012:assumed-role/deployer/';
    let live = [
      { SessionId: 'deployer-1', Owner: `${prefix}ci`, Target: 'i-0bastion', Status: 'Connected' },
      { SessionId: 'deployer-2', Owner: `${prefix}alice@example.com`, Target: 'i-0db', Status: 'Connected' },
    ];
    ssm.on(DescribeSessionsCommand).callsFake(async () => ({ Sessions: live }));
    ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => {
      live = live.filter((s) => s.SessionId !== input.SessionId);
      return { SessionId: input.SessionId };
    });

    const report = (await lockdownHandler(
      { target: { roleName: 'deployer' }, reason: 'INC-9', requestedBy: 'secops' },
      ctx,
      () => undefined,
    )) as RevocationReport;

    const policy = await asAdmin().iam.send(
      new GetRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'OffboardingRevokeOlderSessions' }),
    );
    const doc = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''));
    expect(doc.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Action: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': report.at } },
    });
    expect(live).toEqual([]);
    expect(report.principals[0]?.sessions.map((s) => s.target).sort()).toEqual(['i-0bastion', 'i-0db']);
    expect(report.outcome).toBe('revoked');

    const restored = (await restoreHandler(
      { target: { roleName: 'deployer' }, reason: 'r', requestedBy: 'secops' },
      ctx,
      () => undefined,
    )) as RestoreReport;
    expect(restored.outcome).toBe('restored');
    await expect(
      asAdmin().iam.send(
        new GetRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'OffboardingRevokeOlderSessions' }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(restored.notRestored.join('\n')).toContain('terminated SSM sessions');
  });
});
