/**
 * The trust properties of revocation and restore, proven on a real moto_server with IAM enforcement on: IAM's
 * case rules for tag keys and protected names, and a restore that undoes one run and never lifts another.
 * SSM Session Manager is mocked (and only SSM): moto has no DescribeSessions/TerminateSession. moto's IAM does
 * not apply IAM's case rule to user names (GetUser of `ALICE` does not find `alice`): that rule is proven in
 * test/unit/engine/restore.test.ts, where the fake IAM emulates it.
 */
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Config } from '../../src/config';
import { runRevocation } from '../../src/engine';
import { lockdown, restore } from '../../src/operator/lockdown';
import { runSweep } from '../../src/sweep/sweep';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  motoClients,
  type SeededUser,
} from '../../tools/local/seed';

const ssm = mockClient(SSMClient);
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';

let moto: Moto;
let admin: Credentials;
let config: Config;

const asAdmin = () => motoClients(moto, admin);
const deps = (overrides: Partial<Config> = {}) => ({
  config: { ...config, ...overrides },
  clients: asAdmin(),
  now: new Date(),
});
const iamAs = (c: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: c, maxAttempts: 1 });
const keyStatuses = async (userName: string) =>
  ((await asAdmin().iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map(
    (k) => `${k.AccessKeyId} ${k.Status}`,
  );
const attached = async (userName: string) =>
  (
    (await asAdmin().iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName })))
      .AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);
const hasLoginProfile = async (userName: string) =>
  asAdmin()
    .iam.send(new GetLoginProfileCommand({ UserName: userName }))
    .then(
      () => true,
      () => false,
    );
const driftIndex = async () =>
  (
    (
      await asAdmin().ddb.send(
        new QueryCommand({
          TableName: config.stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'index#revoked-users' },
        }),
      )
    ).Items ?? []
  ).map((i) => String(i.sk));
const departure = (target: { email?: string; employeeId?: string }, runId: string) =>
  runRevocation(
    {
      trigger: 'departure',
      mode: 'departure',
      target,
      reason: 'left',
      requestedBy: 'hr-webhook/standard',
      runId,
    },
    deps({ protectedPrincipals: ['break-glass-*'] }),
  );

let jane: SeededUser;
let janeAdmin: SeededUser;
let janeGuarded: SeededUser;
let breakGlass: SeededUser;
let sam: SeededUser;
let kim: SeededUser;

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  ({ config } = await createLocalStack(setup));
  // Tag keys spelled as people type them: IAM keeps the case and compares keys without it.
  jane = await createUser(setup.iam, 'jane', {
    tags: { Email: 'Jane.Doe@Example.com' },
    keys: 1,
    allowAll: true,
  });
  janeAdmin = await createUser(setup.iam, 'jane-admin', {
    tags: { 'Employee-Id': 'E-42' },
    keys: 1,
    allowAll: true,
  });
  janeGuarded = await createUser(setup.iam, 'jane-ci', {
    tags: { 'EMPLOYEE-ID': 'E-42', 'Offboarding:Protected': 'true' },
    keys: 1,
  });
  breakGlass = await createUser(setup.iam, 'Break-Glass-Admin', {
    tags: { email: 'jane.doe@example.com' },
    keys: 1,
  });
  sam = await createUser(setup.iam, 'sam', { tags: { email: 'sam@example.com' }, keys: 1, allowAll: true });
  await setup.iam.send(new CreateLoginProfileCommand({ UserName: 'sam', Password: 'S3cure-Passw0rd!' }));
  kim = await createUser(setup.iam, 'kim', { keys: 1 });
  await moto.enableIamEnforcement();
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(() => {
  ssm.reset();
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
});

describe("Trust on moto: IAM's case rules", () => {
  it('revokes a person tagged Email / Employee-Id and leaves Offboarding:Protected and Break-Glass-Admin untouched', async () => {
    const before = {
      guarded: await keyStatuses('jane-ci'),
      breakGlass: await keyStatuses('Break-Glass-Admin'),
    };

    const report = await departure(
      { email: 'jane.doe@example.com', employeeId: 'E-42' },
      'standard:msg_jane',
    );

    const outcomes = Object.fromEntries(report.principals.map((p) => [p.principal.name, p.outcome]));
    expect(outcomes).toEqual({
      jane: 'revoked',
      'jane-admin': 'revoked',
      'jane-ci': 'protected',
      'Break-Glass-Admin': 'protected',
    });
    for (const user of [jane, janeAdmin]) {
      expect(await keyStatuses(user.userName)).toEqual([`${user.keys[0]?.accessKeyId} Inactive`]);
      expect(await attached(user.userName)).toContain(DENY);
      // moto authorizes before it answers: the user's own key is explicitly denied.
      await expect(iamAs(user.keys[0] as Credentials).send(new ListUsersCommand({}))).rejects.toThrow(
        /denied|not authorized/i,
      );
    }
    expect(await keyStatuses('jane-ci')).toEqual(before.guarded);
    expect(await keyStatuses('Break-Glass-Admin')).toEqual(before.breakGlass);
    expect(await attached('jane-ci')).toEqual([]);
    expect(await attached('Break-Glass-Admin')).toEqual([]);
    expect(janeGuarded.keys).toHaveLength(1);
    expect(breakGlass.keys).toHaveLength(1);
  });
});

describe('Trust on moto: restore undoes one run', () => {
  it('keeps a departure in force through a lockdown of the same user by key id and its restore', async () => {
    await departure({ email: 'sam@example.com' }, 'standard:msg_sam');
    const leaked = sam.keys[0]?.accessKeyId as string;
    await lockdown(
      { target: { accessKeyId: leaked }, reason: 'INC-1 key on GitHub', requestedBy: 'secops' },
      deps(),
    );

    const report = await restore(
      { target: { userName: 'sam' }, reason: 'INC-1 closed', requestedBy: 'secops' },
      deps(),
    );

    expect(report.restored.trigger).toBe('lockdown');
    expect(report.keptInForce.join('\n')).toContain('departure run standard:msg_sam');
    expect(await attached('sam')).toContain(DENY);
    expect(await keyStatuses('sam')).toEqual([`${leaked} Inactive`]);
    expect(await hasLoginProfile('sam')).toBe(false);
    expect(await driftIndex()).toContain('sam');
    await expect(iamAs(sam.keys[0] as Credentials).send(new ListUsersCommand({}))).rejects.toThrow(
      /denied|not authorized/i,
    );
  });

  it('leaves a key the sweep deactivated Inactive through an unrelated lockdown and its restore', async () => {
    const old = kim.keys[0]?.accessKeyId as string;
    // The sweep, with a 0-day age limit: kim's only key is expired and deactivated through the engine.
    const swept = await runSweep(
      { mode: 'enforce' },
      deps({
        keyMaxAgeDays: 0,
        sweepMaxFraction: 1,
        sweepMaxActions: 10,
        protectedPrincipals: ['offboarding-operator', 'break-glass-*'],
      }),
    );
    expect(swept.keys.find((k) => k.accessKeyId === old)).toMatchObject({ action: 'deactivated' });
    const fresh = await asAdmin().iam.send(new CreateAccessKeyCommand({ UserName: 'kim' }));
    const newer = fresh.AccessKey?.AccessKeyId as string;
    await lockdown({ target: { userName: 'kim' }, reason: 'INC-2', requestedBy: 'secops' }, deps());
    expect((await keyStatuses('kim')).sort()).toEqual([`${newer} Inactive`, `${old} Inactive`].sort());

    const report = await restore(
      { target: { userName: 'kim' }, reason: 'INC-2 closed', requestedBy: 'secops' },
      deps(),
    );

    expect(report.outcome).toBe('restored');
    expect((await keyStatuses('kim')).sort()).toEqual([`${newer} Active`, `${old} Inactive`].sort());
    expect(await attached('kim')).not.toContain(DENY);
  });
});
