/**
 * The deny group on moto, with IAM enforcement on: a user whose managed-policy quota is full is added to the
 * deny group (the stack's `<name>-denied`, AWSDenyAll attached, made by createLocalStack as serverless.yml makes
 * it), the user's own key is then refused by moto (it evaluates the policies of a user's groups), the sweep's
 * drift check counts the membership as the deny in place, and restore takes the user out of the group.
 *
 * moto 5.2.1 does NOT enforce IAM's quota of 10 managed policies per user (an 11th AttachUserPolicy succeeds:
 * the first test shows it). So the operator's IAM client here carries a middleware that answers
 * AttachUserPolicy as IAM does once the user already has 10 policies attached: `LimitExceeded`. Everything
 * else is moto's own answer. SSM Session Manager is mocked (moto has no DescribeSessions).
 */
import {
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  IAMClient,
  LimitExceededException,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clients } from '../../src/clients';
import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import { lockdown, restore } from '../../src/operator/lockdown';
import { checkRevokedUsers } from '../../src/sweep/drift';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  type LocalStack,
  motoClients,
  type SeededUser,
} from '../../tools/local/seed';

const ssm = mockClient(SSMClient);
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
/** Ten AWS managed policies moto loads (MOTO_IAM_LOAD_MANAGED_POLICIES): IAM's quota per user. */
const TEN_POLICIES = [
  'ReadOnlyAccess',
  'IAMReadOnlyAccess',
  'AmazonS3ReadOnlyAccess',
  'AmazonEC2ReadOnlyAccess',
  'AmazonSQSReadOnlyAccess',
  'AmazonSNSReadOnlyAccess',
  'AmazonDynamoDBReadOnlyAccess',
  'AWSLambda_ReadOnlyAccess',
  'CloudWatchReadOnlyAccess',
  'AmazonRDSReadOnlyAccess',
].map((name) => `arn:aws:iam::aws:policy/${name}`);

let moto: Moto;
let admin: Credentials;
let stack: LocalStack;
let dora: SeededUser;
let revokedAt: string;

/** IAM's managed-policy quota, which moto lacks: LimitExceeded once the user has 10 policies attached. */
function enforcePolicyQuota(iam: IAMClient): void {
  const reader = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: admin,
    maxAttempts: 1,
  });
  iam.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { UserName?: string };
      if (context.commandName === 'AttachUserPolicyCommand' && input.UserName) {
        const attached = await reader.send(new ListAttachedUserPoliciesCommand({ UserName: input.UserName }));
        if ((attached.AttachedPolicies ?? []).length >= 10) {
          throw new LimitExceededException({
            message: 'Cannot exceed quota for PoliciesPerUser: 10',
            $metadata: { httpStatusCode: 409 },
          });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'managedPolicyQuota' },
  );
}

/** The operator's clients (the admin's key), with IAM's policy quota. */
function operator(): Clients {
  const clients = motoClients(moto, admin);
  enforcePolicyQuota(clients.iam);
  return clients;
}

const asAdmin = () => motoClients(moto, admin).iam;
const iamAs = (c: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: c, maxAttempts: 1 });
const groupsOf = async (userName: string) =>
  ((await asAdmin().send(new ListGroupsForUserCommand({ UserName: userName }))).Groups ?? []).map(
    (g) => g.GroupName,
  );
const attachedTo = async (userName: string) =>
  (
    (await asAdmin().send(new ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  // The functions' config as serverless.yml sets it: DENY_GROUP_NAME names the stack's deny group.
  stack = await createLocalStack(setup, { denyGroupName: 'offboarding-denied' });
  dora = await createUser(setup.iam, 'dora', {
    tags: { email: 'dora@example.com' },
    keys: 1,
    allowAll: true,
    managedPolicyArns: TEN_POLICIES,
  });
  await moto.enableIamEnforcement();
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(() => {
  ssm.reset();
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
});

describe('The deny group (moto, IAM enforcement on)', () => {
  it('exists as the stack makes it, and the user has a full managed-policy quota moto itself does not enforce', async () => {
    expect(stack.config.denyGroupName).toBe(stack.denyGroupName);
    expect(await attachedTo('dora')).toHaveLength(10);
    // moto accepts an 11th policy (IAM would answer LimitExceeded): hence the quota middleware above.
    const eleventh = 'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess';
    await asAdmin().send(new AttachUserPolicyCommand({ UserName: 'dora', PolicyArn: eleventh }));
    await asAdmin().send(new DetachUserPolicyCommand({ UserName: 'dora', PolicyArn: eleventh }));
    // With the middleware, the deny policy itself is refused as IAM would refuse it.
    await expect(
      operator().iam.send(new AttachUserPolicyCommand({ UserName: 'dora', PolicyArn: DENY })),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    expect(await attachedTo('dora')).not.toContain(DENY);
    // dora's own key works before the lockdown.
    await expect(iamAs(dora.keys[0] as Credentials).send(new ListUsersCommand({}))).resolves.toBeDefined();
  });

  it('locks down the user through the deny group: the own key is refused, no inline policy is put', async () => {
    const report = (await lockdown(
      { target: { userName: 'dora' }, reason: 'INC-11 quota full', requestedBy: 'secops' },
      { config: stack.config, clients: operator(), now: new Date() },
    )) as RevocationReport;
    revokedAt = report.at;

    const principal = report.principals[0];
    expect(report.outcome).toBe('revoked');
    expect(principal?.steps[0]).toMatchObject({
      type: 'attach-deny',
      outcome: 'done',
      detail: expect.stringContaining('added to the deny group offboarding-denied'),
    });
    expect(principal?.verification?.checks[0]).toEqual({
      check: 'deny in place: member of the deny group offboarding-denied',
      ok: true,
    });
    expect(await groupsOf('dora')).toEqual(['offboarding-denied']);
    expect(await attachedTo('dora')).not.toContain(DENY);
    expect(
      (await asAdmin().send(new ListUserPoliciesCommand({ UserName: 'dora' }))).PolicyNames ?? [],
    ).toEqual(['allow-all']);
    // dora still holds her allow-all policy and ten read policies: only the group's deny refuses her now
    // (moto does not reject an Inactive key by itself).
    await expect(iamAs(dora.keys[0] as Credentials).send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('not authorized to perform: iam:ListUsers'),
    });
  });

  it("counts the membership as the deny in place in the sweep's drift check", async () => {
    const doraIndexed = () => [
      {
        kind: 'revoked-index' as const,
        userName: 'dora',
        runId: 'r',
        at: revokedAt,
        trigger: 'lockdown' as const,
        mode: 'lockdown' as const,
      },
    ];
    const findings = await checkRevokedUsers(asAdmin(), doraIndexed(), new Map(), undefined, stack.config);
    expect(findings).toEqual({ entries: [], notes: [], unchecked: 0 });
    // Without the group configured, the same user is drift: the deny policy is not attached.
    const without = await checkRevokedUsers(asAdmin(), doraIndexed(), new Map(), undefined, {
      ...stack.config,
      denyGroupName: undefined,
    });
    expect(without.entries.map((e) => e.findings)).toEqual([[`deny policy ${DENY} not attached`]]);
  });

  it('restores: the user leaves the deny group and the own key works again', async () => {
    const report = (await restore(
      { target: { userName: 'dora' }, reason: 'INC-11 closed', requestedBy: 'secops' },
      { config: stack.config, clients: operator(), now: new Date() },
    )) as RestoreReport;

    expect(report.outcome).toBe('restored');
    expect(report.steps.find((s) => s.type === 'attach-deny')).toMatchObject({
      outcome: 'done',
      detail: 'removed from the deny group offboarding-denied',
    });
    expect(report.verification?.checks).toContainEqual({ check: 'deny removed', ok: true });
    expect(await groupsOf('dora')).toEqual([]);
    expect((await attachedTo('dora')).sort()).toEqual([...TEN_POLICIES].sort());
    await expect(iamAs(dora.keys[0] as Credentials).send(new ListUsersCommand({}))).resolves.toBeDefined();
  });
});
