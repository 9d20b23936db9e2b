/**
 * A person's Identity Center user and IAM users revoked together, on one real moto_server with IAM enforcement
 * on (identitystore, sso-admin, IAM, STS, SQS, SNS, DynamoDB, SSM parameters):
 * - a signed departure (webhook -> departure queue -> the departure worker wired as
 *   handlers/revocation-worker.ts wires it) revokes the person's IAM user and Identity Center user in ONE run:
 *   one notification with the IAM principal and the Identity Center section, the run id on both;
 * - over several accounts (TARGET_ACCOUNTS a list, the account queue drained by the account worker), the one
 *   completion notification says `... and Identity Center` and carries its section;
 * - lockdown and restore of `{ identityCenterUser }` through src/operator/lockdown.ts; unconfigured, an
 *   `InvalidRequestError` before any call.
 * Every assertion on AWS reads moto's state back (with the operator's key, straight to moto).
 *
 * The functions' clients are `makeClients`' own (the `identityCenter` factory included), pointed at the fault
 * proxy in front of moto, which serves what moto lacks (tools/local/moto-gaps.ts: Session Manager,
 * ListServiceSpecificCredentials). The factory's sso-admin client carries one stand-in,
 * `provisioningStatusStandIn` (moto 5.2.1 has no DescribePermissionSetProvisioningStatus and answers
 * ProvisionPermissionSet SUCCEEDED at once): ProvisionPermissionSet is answered IN_PROGRESS (moto still records
 * the provisioning), and its request's first describe SUCCEEDED, so the bounded wait is exercised. The code's
 * waits are the defaults (identityCenterDeps takes no timing): one 2 s poll per provisioning and per
 * assignment deletion or creation.
 *
 * moto's identity store id is `d-` and 10 random lower-case letters or digits, which IDENTITY_STORE_ID's
 * pattern (`d-` and 10 hex digits, as AWS documents it) would mostly refuse: the configuration is the stack's,
 * with `identityStoreId` and `ssoInstanceArn` from moto's ListInstances set on it.
 */

import {
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import {
  CreateGroupCommand,
  IdentitystoreClient,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import {
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSRecord } from 'aws-lambda';
import { accountAccess } from '../../src/accounts/access';
import { departureFanOut } from '../../src/accounts/fanout';
import type { AccountWorkItem } from '../../src/accounts/work';
import { accountWorker } from '../../src/accounts/worker';
import { type Clients, makeClients, type TemporaryCredentials } from '../../src/clients';
import { type Config, fansOut, loadConfig } from '../../src/config';
import type { DepartureReport } from '../../src/departures/identity-center';
import { departureWorker } from '../../src/departures/worker';
import { InvalidRequestError, NothingToRestoreError } from '../../src/errors';
import {
  type IdcRestoreReport,
  type IdcRevocationReport,
  identityCenterDeps,
} from '../../src/identity-center';
import { lockdown, type OperatorDeps, restore } from '../../src/operator/lockdown';
import { sweepIdentityCenter } from '../../src/sweep/identity-center';
import { webhookHandler } from '../../src/webhooks/handler';
import {
  createMemberRole,
  forAccount,
  memberAccountClients,
  memberRoleIam,
} from '../../tools/local/accounts';
import { identityCenterSeed } from '../../tools/local/identity-center-seed';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../../tools/local/moto';
import { chain, FakeSessionManager, noServiceCredentials } from '../../tools/local/moto-gaps';
import { provisioningStatusStandIn } from '../../tools/local/provisioning-stand-in';
import { type FaultProxy, startFaultProxy } from '../../tools/local/proxy';
import {
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  drainInbox,
  type LocalStack,
  motoClients,
  type ReceivedNotification,
  type SeededUser,
} from '../../tools/local/seed';
import { standardEvent } from '../../tools/testing/webhook-event';
import { createQueue, lambdaContext, pollOnce, putWebhookSecrets } from './departure-fixtures';

const A = MOTO_ACCOUNT_ID; // the function's own account, where the Identity Center instance is
const B = '222222222222';
const REGION = 'us-east-1';
const MEMBER_ROLE = 'offboarding-member';
const PREFIX = '/offboarding/webhook/';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const MANUAL_IDP_STEP = 'disable the user in the identity provider (SCIM would re-add group memberships)';
/** A pre-existing inline policy, formatted by hand: its statement must keep these bytes. */
const ADMIN_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {   "Sid": "TeamBuckets", "Effect": "Allow",
        "Action": ["s3:GetObject",  "s3:PutObject"], "Resource": "arn:aws:s3:::team-*/*" }
  ]
}`;
const TEAM_BUCKETS = ADMIN_POLICY.slice(
  ADMIN_POLICY.indexOf('{   "Sid"'),
  ADMIN_POLICY.indexOf('}\n  ]') + 1,
);
const OPS_POLICY = `{"Version": "2012-10-17",
 "Statement": [ {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"} ]}`;
/** A policy whose `Statement` is a single object (IAM accepts both forms). */
const AUDIT_POLICY = `{"Version":"2012-10-17","Statement":{"Sid":"Trails","Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}}`;

let moto: Moto;
let proxy: FaultProxy;
let admin: Credentials;
let stack: LocalStack;
/** The functions' clients: the operator's key, through the proxy; the `identityCenter` factory observed. */
let clients: Clients;
let departures: { url: string };
let accountQueue: { url: string; dlqUrl?: string };
let instanceArn = '';
let identityStoreId = '';
const sessions = new FakeSessionManager();
/** Permission sets by name. */
const sets: Record<'admin' | 'readOnly' | 'ops' | 'audit', string> = {
  admin: '',
  readOnly: '',
  ops: '',
  audit: '',
};
/** Identity Center user ids by userName, and the group. */
const idcUsers: Record<string, string> = {};
let engineering = '';
const iamUsers: Record<string, SeededUser> = {};

/** Every call of the `identityCenter` factory: the region and the credentials the clients were built with. */
const factoryCalls: { region: string; credentials: TemporaryCredentials | undefined }[] = [];
/** Commands the code under test sent to identitystore and sso-admin, in order, with the set or principal. */
const idcCommands: string[] = [];
/** Every SNS Publish the code sent, as sent (the human text is in `Message`'s `default`). */
const published: PublishCommandInput[] = [];

const defaultIntercept = () => chain(sessions.intercept, noServiceCredentials);

// ---- stand-ins and observers on the code's clients ---------------------------------------------------------

interface Host {
  middlewareStack: SSOAdminClient['middlewareStack'];
}

/** Records each identitystore / sso-admin command with the permission set (or principal) it names. */
function recordCommands(client: Host, label: string): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        PermissionSetArn?: string;
        PrincipalId?: string;
        TargetType?: string;
        MembershipId?: string;
      };
      const subject = input.PermissionSetArn ?? input.PrincipalId ?? input.MembershipId ?? '';
      const target = context.commandName === 'ProvisionPermissionSetCommand' ? ` ${input.TargetType}` : '';
      idcCommands.push(`${label}:${String(context.commandName).replace(/Command$/, '')} ${subject}${target}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordIdcCommands' },
  );
}

/** Keeps each PublishCommand's input as sent (then lets it through to SNS). */
function recordPublish(sns: Clients['sns']): void {
  sns.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PublishCommand') published.push(args.input as PublishCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordPublish' },
  );
}

/**
 * The human text of a published notification (what email and `default` subscribers read), read as one line:
 * the email wraps long items at 100 characters.
 */
const textOf = (p: PublishCommandInput | undefined): string =>
  ((JSON.parse(p?.Message ?? '{}') as { default?: string }).default ?? '').replace(/\s+/g, ' ');

// ---- reading moto's state, outside the code under test ---------------------------------------------------

const direct = () => ({ region: REGION, endpoint: moto.endpoint, credentials: admin, maxAttempts: 1 });
const inspectSso = () => new SSOAdminClient(direct());
const inspectIds = () => new IdentitystoreClient(direct());
const iamAt = (credentials: Credentials) => new IAMClient({ ...direct(), credentials });

let memberInspector: Promise<IAMClient> | undefined;
/** IAM acting in `account`: the operator at home, a member-role session in B (straight to moto). */
function inspectIam(account: string): Promise<IAMClient> {
  if (account === A) return Promise.resolve(iamAt(admin));
  memberInspector ??= memberRoleIam(
    moto.endpoint,
    REGION,
    admin,
    `arn:aws:iam::${account}:role/${MEMBER_ROLE}`,
    {
      sessionName: 'test-inspector',
      maxAttempts: 1,
    },
  );
  return memberInspector;
}
const attached = async (account: string, userName: string) =>
  (
    (await (await inspectIam(account)).send(new ListAttachedUserPoliciesCommand({ UserName: userName })))
      .AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);
const keyStatuses = async (account: string, userName: string) =>
  (
    (await (await inspectIam(account)).send(new ListAccessKeysCommand({ UserName: userName })))
      .AccessKeyMetadata ?? []
  ).map((k) => k.Status);
/** The user's own key, in its own account: can it still call IAM? */
const ownKey = (account: string, userName: string) =>
  forAccount(iamAt(iamUsers[`${account}/${userName}`]?.keys[0] as Credentials), account)
    .send(new ListUsersCommand({}))
    .then(
      () => 'allowed',
      (err: Error) => err.name,
    );

const policyOf = async (arn: string) =>
  (
    await inspectSso().send(
      new GetInlinePolicyForPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
    )
  ).InlinePolicy ?? '';
/** The managed statement of a set's inline policy, parsed (undefined when absent). */
const managedStatementOf = async (arn: string): Promise<Record<string, unknown> | undefined> => {
  const policy = await policyOf(arn);
  if (!policy) return undefined;
  const statements = (JSON.parse(policy) as { Statement: unknown }).Statement;
  return ([] as Record<string, unknown>[])
    .concat(statements as Record<string, unknown>[])
    .find((s) => s.Sid === 'OffboardingRevokedUsers');
};
const assignmentsOf = async (principalId: string, type: 'USER' | 'GROUP' = 'USER') =>
  (
    (
      await inspectSso().send(
        new ListAccountAssignmentsForPrincipalCommand({
          InstanceArn: instanceArn,
          PrincipalId: principalId,
          PrincipalType: type,
        }),
      )
    ).AccountAssignments ?? []
  )
    .map((a) => `${a.AccountId} ${a.PermissionSetArn}`)
    .sort();
const groupsOf = async (userId: string) =>
  (
    (
      await inspectIds().send(
        new ListGroupMembershipsForMemberCommand({
          IdentityStoreId: identityStoreId,
          MemberId: { UserId: userId },
        }),
      )
    ).GroupMemberships ?? []
  ).map((m) => m.GroupId);
const partition = async (pk: string) =>
  (
    await motoClients(moto, admin).ddb.send(
      new QueryCommand({
        TableName: stack.config.stateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    )
  ).Items ?? [];
const notifications = () => drainInbox(clients.sqs, stack.inbox.queueUrl);
const json = <T>(n: ReceivedNotification | undefined) => JSON.parse(n?.message ?? '{}') as T;

// ---- seeding --------------------------------------------------------------------------------------------

/** The seeding calls (tools/local/identity-center-seed.ts), with the operator's clients straight to moto. */
const seed = () => identityCenterSeed({ ids: inspectIds(), sso: inspectSso(), identityStoreId, instanceArn });
const createPermissionSet = (name: string, policy?: string) => seed().permissionSet(name, policy);
async function createIdcUser(userName: string, email: string): Promise<string> {
  const userId = await seed().user(userName, email);
  idcUsers[userName] = userId;
  return userId;
}
const assign = (principalId: string, type: 'USER' | 'GROUP', permissionSetArn: string, account: string) =>
  seed().assign(principalId, type, permissionSetArn, account);
const joinGroup = (userId: string, groupId: string) => seed().join(userId, groupId);

// ---- the functions, wired as the handlers wire them ------------------------------------------------------

/** The configuration of a deployment with Identity Center: the stack's, the instance's ids set on it. */
const withIdc = (config: Config): Config => ({ ...config, identityStoreId, ssoInstanceArn: instanceArn });
const singleAccount = (): Config =>
  withIdc({ ...stack.config, departureQueueUrl: departures.url, webhookSecretPrefix: PREFIX });
const twoAccounts = (): Config =>
  withIdc(
    loadConfig({
      NOTIFY_TOPIC_ARN: stack.config.notifyTopicArn,
      STATE_TABLE: stack.config.stateTable,
      DEPARTURE_QUEUE_URL: departures.url,
      WEBHOOK_SECRET_PREFIX: PREFIX,
      AWS_REGION: REGION,
      MEMBER_ROLE_NAME: MEMBER_ROLE,
      TARGET_ACCOUNTS: `${A},${B}`,
      ACCOUNT_QUEUE_URL: accountQueue.url,
    }),
  );

/** The departure worker as handlers/revocation-worker.ts builds it. */
function revocationWorker(config: Config) {
  const access = accountAccess({ config, clients });
  const fanOut = fansOut(config) ? departureFanOut({ config, clients, access }) : undefined;
  return departureWorker({
    config,
    clients,
    ...(fanOut ? { fanOut } : {}),
    identityCenter: (runId, now) => identityCenterDeps(config, clients, access, runId, now),
  });
}

/** What handlers/lockdown.ts and handlers/restore.ts give lockdown() and restore(). */
function operatorDeps(config: Config): OperatorDeps {
  const access = accountAccess({ config, clients });
  return {
    config,
    clients,
    access,
    identityCenter: (runId, now) => identityCenterDeps(config, clients, access, runId, now),
    now: new Date(),
  };
}

/** A standard departure, signed like the sender would, as API Gateway passes it. */
const departureEvent = (webhookId: string, data: Record<string, string>) =>
  standardEvent({ webhookId, secret: SECRET, data });

/** The webhook queues a signed departure; the departure worker takes it from the queue. Returns the run id. */
async function depart(config: Config, webhookId: string, person: Record<string, string>): Promise<string> {
  const answer = (await webhookHandler({ config, clients })(
    departureEvent(webhookId, person),
    lambdaContext('hr-webhook'),
  )) as APIGatewayProxyStructuredResultV2;
  expect(answer.statusCode).toBe(202);
  const [runId] = (JSON.parse(answer.body ?? '{}') as { queued: string[] }).queued;
  const worker = revocationWorker(config);
  const { records, response } = await pollOnce(clients.sqs, departures.url, (e) =>
    worker.process(e, lambdaContext('revocation-worker')),
  );
  expect(records).toHaveLength(1);
  expect(response).toEqual({ batchItemFailures: [] });
  return runId as string;
}

const itemOf = (r: SQSRecord) => JSON.parse(r.body) as AccountWorkItem;

// Seeding, then runs with 2 s provisioning and assignment waits.
jest.setTimeout(40_000);

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  stack = await createLocalStack(setup);
  [departures, accountQueue] = await Promise.all([
    createQueue(setup.sqs, 'departures'),
    createQueue(setup.sqs, 'account-work', 2),
    putWebhookSecrets(setup.ssmHome, PREFIX, { standard: [SECRET] }),
  ]);
  const instance = (await inspectSso().send(new ListInstancesCommand({}))).Instances?.[0];
  instanceArn = instance?.InstanceArn ?? '';
  identityStoreId = instance?.IdentityStoreId ?? '';

  const memberIam = memberAccountClients(moto, B).iam;
  const seedIam = async (account: string, name: string, email: string) => {
    iamUsers[`${account}/${name}`] = await createUser(account === A ? setup.iam : memberIam, name, {
      tags: { email },
      keys: 1,
      allowAll: true,
    });
  };
  const [admin_, readOnly, ops, audit, group] = await Promise.all([
    createPermissionSet('Admin', ADMIN_POLICY),
    createPermissionSet('ReadOnly'),
    createPermissionSet('Ops', OPS_POLICY),
    createPermissionSet('Audit', AUDIT_POLICY),
    inspectIds().send(
      new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: 'engineering' }),
    ),
    createMemberRole(memberIam, MEMBER_ROLE, A),
    // Jane: one IAM user at home, an Identity Center user (userName jdoe) found by her email.
    seedIam(A, 'jane-dev', 'jane.doe@example.com'),
    createIdcUser('jdoe', 'jane.doe@example.com'),
    // Kim: an IAM user in each account, and an Identity Center user.
    seedIam(A, 'kim', 'kim@example.com'),
    seedIam(B, 'kim.b', 'kim@example.com'),
    createIdcUser('kim', 'kim@example.com'),
    // Lee: an Identity Center user only (the operator's lockdown and restore), two direct assignments and
    // the group.
    createIdcUser('lee', 'lee@example.com'),
  ]);
  Object.assign(sets, { admin: admin_, readOnly, ops, audit });
  engineering = group.GroupId ?? '';
  const [jane, kim, lee] = [idcUsers.jdoe, idcUsers.kim, idcUsers.lee] as [string, string, string];
  await Promise.all([
    // Jane: a direct assignment, and a group that has one.
    assign(jane, 'USER', sets.admin, A),
    joinGroup(jane, engineering),
    assign(engineering, 'GROUP', sets.readOnly, B),
    assign(kim, 'USER', sets.admin, B),
    assign(lee, 'USER', sets.ops, B),
    assign(lee, 'USER', sets.audit, A),
    joinGroup(lee, engineering),
  ]);

  proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: defaultIntercept() });
  await moto.enableIamEnforcement();
  const base = makeClients({ region: REGION, endpoint: proxy.endpoint, credentials: admin, maxAttempts: 2 });
  clients = {
    ...base,
    // The clients module's own factory, observed, its sso-admin client carrying the stand-in.
    identityCenter: (region, credentials) => {
      factoryCalls.push({ region, credentials });
      const built = base.identityCenter(region, credentials);
      recordCommands(built.identitystore as unknown as Host, 'identitystore');
      recordCommands(built.ssoAdmin, 'sso-admin');
      provisioningStatusStandIn(built.ssoAdmin);
      return built;
    },
  };
  recordPublish(clients.sns);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

beforeEach(async () => {
  proxy.configure({ intercept: defaultIntercept() });
  await notifications();
  factoryCalls.length = 0;
  idcCommands.length = 0;
  published.length = 0;
});

describe('Integration: a departure revokes the IAM users and the Identity Center user in one run (moto)', () => {
  it('revokes both in one run: one notification with the IAM principal and the Identity Center section, the run id on both', async () => {
    const jane = idcUsers.jdoe as string;
    expect(await ownKey(A, 'jane-dev')).toBe('allowed');
    expect(await assignmentsOf(jane)).toEqual([`${A} ${sets.admin}`]);
    expect(await groupsOf(jane)).toEqual([engineering]);
    const session = sessions.open(`arn:aws:iam::${A}:user/jane-dev`, 'i-0jane');

    const runId = await depart(singleAccount(), 'msg_idc_jane', { email: 'jane.doe@example.com' });
    expect(runId).toBe('standard:msg_idc_jane');

    // IAM: denied first, key deactivated, session ended; her own key refused.
    expect(await attached(A, 'jane-dev')).toContain(DENY);
    expect(await keyStatuses(A, 'jane-dev')).toEqual(['Inactive']);
    expect(await ownKey(A, 'jane-dev')).toBe('AccessDenied');
    expect(sessions.sessions.get(session)?.Status).toBe('Terminated');

    // Identity Center: the direct assignment deleted, the membership removed; the group keeps its assignment.
    expect(await assignmentsOf(jane)).toEqual([]);
    expect(await groupsOf(jane)).toEqual([]);
    expect(await assignmentsOf(engineering, 'GROUP')).toEqual([`${B} ${sets.readOnly}`]);
    // Every involved permission set (the direct one and the group's) holds the managed statement with her id.
    for (const set of [sets.admin, sets.readOnly]) {
      expect(await managedStatementOf(set)).toEqual({
        Sid: 'OffboardingRevokedUsers',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'identitystore:userId': [jane] } },
      });
    }
    expect(await policyOf(sets.admin)).toContain(TEAM_BUCKETS);
    // ...and was provisioned to all its accounts after the deny was put, before any access was removed.
    const at = (command: string) => idcCommands.indexOf(command);
    const firstRemoval = idcCommands.findIndex((c) =>
      /^(sso-admin:DeleteAccountAssignment|identitystore:DeleteGroupMembership) /.test(c),
    );
    expect(firstRemoval).toBeGreaterThan(0);
    for (const set of [sets.admin, sets.readOnly]) {
      const put = at(`sso-admin:PutInlinePolicyToPermissionSet ${set}`);
      const provisioned = at(`sso-admin:ProvisionPermissionSet ${set} ALL_PROVISIONED_ACCOUNTS`);
      expect(put).toBeGreaterThanOrEqual(0);
      expect(provisioned).toBeGreaterThan(put);
      expect(provisioned).toBeLessThan(firstRemoval);
    }
    expect(idcCommands).toContain(`sso-admin:DeleteAccountAssignment ${sets.admin}`);
    expect(idcCommands.filter((c) => c.startsWith('identitystore:DeleteGroupMembership'))).toHaveLength(1);

    // ONE notification for the run: the IAM principal and the Identity Center section, the same run id.
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toEqual({ trigger: 'departure', outcome: 'revoked', severity: 'info' });
    const report = json<DepartureReport>(sent[0]);
    expect(report).toMatchObject({ kind: 'revocation', runId, outcome: 'revoked' });
    expect(report.principals.map((p) => [p.principal.arn, p.outcome])).toEqual([
      [`arn:aws:iam::${A}:user/jane-dev`, 'revoked'],
    ]);
    expect(report.identityCenter).toMatchObject({
      kind: 'identity-center-revocation',
      runId,
      trigger: 'departure',
      outcome: 'revoked',
      user: { userId: jane, userName: 'jdoe', identityStoreId },
      verification: { ok: true },
    });
    const idc = report.identityCenter as IdcRevocationReport;
    expect(idc.provisioning.map((p) => [p.permissionSetArn, p.status]).sort()).toEqual(
      [
        [sets.admin, 'SUCCEEDED'],
        [sets.readOnly, 'SUCCEEDED'],
      ].sort(),
    );
    expect(idc.manualSteps).toContain(MANUAL_IDP_STEP);
    // The text people read names both sides and the manual step in the identity provider.
    expect(published).toHaveLength(1);
    const text = textOf(published[0]);
    expect(text).toContain(`run: ${runId}`);
    expect(text).toContain(`user jane-dev: revoked - ARN: arn:aws:iam::${A}:user/jane-dev`);
    expect(text).toContain(`Identity Center user jdoe (${jane}): revoked`);
    expect(text).toContain(`TO DO BY HAND: ${MANUAL_IDP_STEP}`);

    // The records of both sides under the one run id; the departure handled once.
    expect((await partition('principal#user#jane-dev')).map((i) => i.runId)).toContain(runId);
    expect(await partition(`principal#idc-user#${jane}`)).toEqual([
      expect.objectContaining({ kind: 'idc-revocation', runId, status: 'finished', outcome: 'revoked' }),
    ]);
    expect((await partition('idc#revoked-users')).map((i) => [i.sk, i.runId])).toContainEqual([jane, runId]);
    expect(
      (await partition('idempotency#departure')).filter(
        (i) => (i.data as { runId?: string } | undefined)?.runId === runId,
      ),
    ).toEqual([
      expect.objectContaining({ status: 'COMPLETED', data: { runId, outcome: 'revoked', principals: 1 } }),
    ]);
    // The Identity Center clients were built once for the run, with the function's own credentials.
    expect(factoryCalls).toEqual([{ region: REGION, credentials: undefined }]);
  });
});

describe('Integration: a departure over several accounts and Identity Center (moto)', () => {
  /** The completion notification's text, for the coverage-line test below. */
  let completionText = '';

  it('revokes the Identity Center user once and sends one completion notification `... and Identity Center` with its section', async () => {
    const config = twoAccounts();
    const kim = idcUsers.kim as string;
    expect(await assignmentsOf(kim)).toEqual([`${B} ${sets.admin}`]);

    const runId = await depart(config, 'msg_idc_kim', { email: 'kim@example.com' });

    // The departure worker queued one item per account and revoked the Identity Center user itself; nothing
    // is notified before the last account reports.
    expect(await assignmentsOf(kim)).toEqual([]);
    expect(revokedIds(await managedStatementOf(sets.admin))).toContain(kim);
    expect(await notifications()).toEqual([]);
    const process = accountWorker({ config, clients });
    const handled: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { records, response } = await pollOnce(
        clients.sqs,
        accountQueue.url,
        (e) => process.process(e, lambdaContext('account-worker')),
        1,
      );
      expect(records).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
      handled.push(itemOf(records[0] as SQSRecord).accountId);
      if (i === 0) expect(await notifications()).toEqual([]);
    }
    expect(handled.sort()).toEqual([A, B]);
    expect(await attached(A, 'kim')).toContain(DENY);
    expect(await attached(B, 'kim.b')).toContain(DENY);
    expect(await ownKey(B, 'kim.b')).toBe('AccessDenied');

    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(published).toHaveLength(1);
    expect(sent[0]?.subject).toBe(
      '[offboarding] Departure of email kim@example.com: revoked across 2 accounts and Identity Center',
    );
    expect(sent[0]?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
    const coverage = json<{
      kind: string;
      runId: string;
      targets: string[];
      complete: boolean;
      outcome: string;
      accounts: { accountId: string; outcome: string; principals: { principal: { arn: string } }[] }[];
    }>(sent[0]);
    expect(coverage).toMatchObject({ kind: 'departure-coverage', runId, complete: true, outcome: 'revoked' });
    expect([...coverage.targets].sort()).toEqual([A, B, 'identity-center'].sort());
    expect(
      Object.fromEntries(
        coverage.accounts.map((a) => [a.accountId, [a.outcome, a.principals.map((p) => p.principal.arn)]]),
      ),
    ).toEqual({
      [A]: ['revoked', [`arn:aws:iam::${A}:user/kim`]],
      [B]: ['revoked', [`arn:aws:iam::${B}:user/kim.b`]],
      'identity-center': ['revoked', [`arn:aws:identitystore:::user/${kim}`]],
    });
    // Its Identity Center section, with the manual step in the identity provider.
    completionText = textOf(published[0]);
    expect(completionText).toContain(' Identity Center: revoked - ');
    expect(completionText).toContain(`user kim (arn:aws:identitystore:::user/${kim}): revoked`);
    expect(completionText).toContain(`note: to do by hand: ${MANUAL_IDP_STEP}`);
    // The Identity Center user is revoked under the departure's run id; built once, by the departure worker.
    expect(await partition(`principal#idc-user#${kim}`)).toEqual([
      expect.objectContaining({ kind: 'idc-revocation', runId, outcome: 'revoked' }),
    ]);
    expect(factoryCalls).toHaveLength(1);
  });

  it('says in the coverage line how many accounts were targeted and reached, not counting Identity Center', () => {
    expect(completionText).toContain(
      'Targeted 2 accounts, reached 2, unreachable 0; the person has users in 2.',
    );
  });
});

describe('Integration: lockdown and restore of an identityCenterUser (src/operator/lockdown.ts, moto)', () => {
  /** The Audit set's inline policy after the restore, for the single-statement test below. */
  let auditAfterRestore: string | undefined;

  it('revokes the user, then restores it to the snapshot', async () => {
    const config = singleAccount();
    const lee = idcUsers.lee as string;
    const before = {
      assignments: await assignmentsOf(lee),
      groups: await groupsOf(lee),
      ops: await policyOf(sets.ops),
      readOnly: await policyOf(sets.readOnly),
    };
    expect(before.assignments).toEqual([`${A} ${sets.audit}`, `${B} ${sets.ops}`].sort());
    expect(before.groups).toEqual([engineering]);
    expect(before.ops).toBe(OPS_POLICY);
    // (ReadOnly already denies Jane: her departure's statement is part of this snapshot.)
    expect(revokedIds(await managedStatementOf(sets.readOnly))).toEqual([idcUsers.jdoe]);

    const locked = (await lockdown(
      { target: { identityCenterUser: 'lee' }, reason: 'INC-77 phished', requestedBy: 'secops' },
      operatorDeps(config),
    )) as IdcRevocationReport;

    expect(locked).toMatchObject({
      kind: 'identity-center-revocation',
      trigger: 'lockdown',
      mode: 'lockdown',
      outcome: 'revoked',
      user: { userId: lee, userName: 'lee' },
      verification: { ok: true },
    });
    expect(await assignmentsOf(lee)).toEqual([]);
    expect(await groupsOf(lee)).toEqual([]);
    expect(revokedIds(await managedStatementOf(sets.ops))).toEqual([lee]);
    expect(revokedIds(await managedStatementOf(sets.audit))).toEqual([lee]);
    expect(revokedIds(await managedStatementOf(sets.readOnly))).toEqual([idcUsers.jdoe, lee]);
    expect(await policyOf(sets.ops)).toContain(
      '{"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}',
    );
    const [lockSent, ...more] = await notifications();
    expect(more).toEqual([]);
    expect(lockSent?.attributes).toMatchObject({ trigger: 'lockdown', outcome: 'revoked' });
    expect(json<IdcRevocationReport>(lockSent)).toMatchObject({ runId: locked.runId, outcome: 'revoked' });
    expect(published).toHaveLength(1);
    expect(textOf(published[0])).toContain(`TO DO BY HAND: ${MANUAL_IDP_STEP}`);
    expect(factoryCalls).toEqual([{ region: REGION, credentials: undefined }]);

    const restored = (await restore(
      { target: { identityCenterUser: 'lee' }, reason: 'INC-77 closed', requestedBy: 'secops' },
      operatorDeps(config),
    )) as IdcRestoreReport;

    expect(restored).toMatchObject({
      kind: 'identity-center-restore',
      outcome: 'restored',
      undoes: [locked.runId],
      restored: { trigger: 'lockdown', mode: 'lockdown' },
      keptInForce: [],
      verification: { ok: true },
    });
    auditAfterRestore = await policyOf(sets.audit);
    // Back to the snapshot: the assignments, the membership, the inline policies' exact bytes (Jane's deny
    // stays in ReadOnly: only Lee's id leaves).
    expect(await assignmentsOf(lee)).toEqual(before.assignments);
    expect(await groupsOf(lee)).toEqual(before.groups);
    expect(await policyOf(sets.ops)).toBe(before.ops);
    expect(await policyOf(sets.readOnly)).toBe(before.readOnly);
    expect(revokedIds(await managedStatementOf(sets.audit))).toEqual([]);
    const [restoreSent, ...others] = await notifications();
    expect(others).toEqual([]);
    expect(restoreSent?.attributes).toMatchObject({ trigger: 'restore', outcome: 'restored' });
    expect(json<IdcRestoreReport>(restoreSent)).toMatchObject({
      runId: restored.runId,
      undoes: [locked.runId],
    });
    expect(await partition(`principal#idc-user#${lee}`)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'idc-revocation', runId: locked.runId, mode: 'lockdown' }),
        expect.objectContaining({ kind: 'idc-restore', undoes: [locked.runId], outcome: 'restored' }),
      ]),
    );
    expect((await partition('idc#revoked-users')).map((i) => i.sk)).not.toContain(lee);
  });

  it('restores a policy whose Statement was a single object to its exact bytes', () => {
    // docs/identity-center.md: "a policy returns to its exact bytes once our statement leaves it".
    expect(auditAfterRestore).toBe(AUDIT_POLICY);
  });

  it("never takes a sweep's drift re-revocation for a lockdown: a restore without runId finds none to undo", async () => {
    const config = singleAccount();
    const jane = idcUsers.jdoe as string;
    // Drift: Jane, departed, is put back into a group (a SCIM sync, an administrator).
    const alumni =
      (
        await inspectIds().send(
          new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: 'alumni' }),
        )
      ).GroupId ?? '';
    await joinGroup(jane, alumni);
    // The key sweep's Identity Center part, wired as handlers/key-sweep.ts wires it, in enforce mode.
    const access = accountAccess({ config, clients });
    const sweep = await sweepIdentityCenter(
      { mode: 'enforce' },
      {
        config,
        clients,
        identityCenter: (runId, now) => identityCenterDeps(config, clients, access, runId, now),
        now: new Date(),
      },
      'sweep-drift-1',
    );
    expect(sweep?.drifted).toEqual([
      expect.objectContaining({ userId: jane, action: 're-revoked', outcome: 'revoked' }),
    ]);
    expect(await groupsOf(jane)).toEqual([]);

    // Jane's unrestored runs are her departure and the sweep's re-revocation: no lockdown. A restore that
    // names no run must refuse (as the IAM restore does for a sweep run), never plan to give her access back.
    const planned = restore(
      { target: { identityCenterUser: 'jdoe' }, reason: 'INC-79', requestedBy: 'secops', dryRun: true },
      operatorDeps(config),
    );
    await expect(planned).rejects.toThrow(NothingToRestoreError);
  });

  it('refuses identityCenterUser with InvalidRequestError before any call when Identity Center is not configured', async () => {
    const unconfigured: Config = { ...stack.config };
    expect(unconfigured.identityStoreId).toBeUndefined();
    const request = { target: { identityCenterUser: 'lee' }, reason: 'INC-78', requestedBy: 'secops' };
    const withoutIdc: OperatorDeps = { config: unconfigured, clients, now: new Date() };
    proxy.reset();

    for (const deps of [operatorDeps(unconfigured), withoutIdc]) {
      await expect(lockdown(request, deps)).rejects.toThrow(InvalidRequestError);
      await expect(lockdown(request, deps)).rejects.toThrow(/IDENTITY_STORE_ID and SSO_INSTANCE_ARN/);
      await expect(restore(request, deps)).rejects.toThrow(InvalidRequestError);
    }
    // No AWS call at all (not even the notification), and no Identity Center client built.
    expect(proxy.stats().requests).toBe(0);
    expect(published).toEqual([]);
    expect(factoryCalls).toEqual([]);
    expect(await assignmentsOf(idcUsers.lee as string)).toEqual(
      [`${A} ${sets.audit}`, `${B} ${sets.ops}`].sort(),
    );
  });
});

/** The ids a managed statement denies. */
function revokedIds(statement: Record<string, unknown> | undefined): string[] {
  const c = statement?.Condition as { StringEquals?: Record<string, string[] | string> } | undefined;
  return ([] as string[]).concat(c?.StringEquals?.['identitystore:userId'] ?? []);
}
