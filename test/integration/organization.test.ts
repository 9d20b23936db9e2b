/**
 * Several AWS accounts on one real moto_server, with IAM enforcement on: a departure fanned out over three
 * accounts (signed webhook -> departure queue -> departure worker -> account queue -> account worker), an
 * unreachable account retried to the DLQ, a duplicated work item, the completion notification under DynamoDB's
 * eventually consistent reads, lockdown/restore in a named account (and a person's lockdown over every
 * account), the key sweep over an organization, and TARGET_ACCOUNTS=self.
 *
 * What moto lacks, and what stands in (tools/local/accounts.ts, tools/local/moto-gaps.ts, the fault proxy):
 * - moto lets anyone assume any role ARN (it checks no trust policy): a member role that cannot be assumed is
 *   the proxy's `denyAssumeRoleInto`, answering 403 AccessDenied as STS does.
 * - moto has no Session Manager (DescribeSessions/TerminateSession): the proxy serves them from an in-memory
 *   `FakeSessionManager` (one store for every account: sessions are told apart by their owner's ARN, which
 *   carries the account id), and answers ListServiceSpecificCredentials empty.
 * - moto cannot date an access key: the sweep's account worker runs with its clock 100 days ahead, so the keys
 *   moto made today are expired (KEY_MAX_AGE_DAYS 90), as test/integration/key-sweep.test.ts does.
 * - moto's DynamoDB is always strongly consistent: test/support/eventual-consistency.ts answers a Query that
 *   does not ask for a consistent read without the partition's latest write, as DynamoDB may.
 * - Seeding happens before enforcement: afterwards, moto looks a key up in the account the request names
 *   (`x-moto-account-id`, else the key's own account). Each member account is read through a session of its
 *   member role (AssumeRole with the operator's key, straight to moto), a user's own key with its account's
 *   header.
 * The code under test talks to moto through the proxy, so the proxy's counts are the code's own calls.
 */
import {
  DeleteRolePolicyCommand,
  GenerateCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { AccountUnreachableError, accountAccess } from '../../src/accounts/access';
import { readCoverage } from '../../src/accounts/coverage';
import { departureFanOut, sweepFanOut } from '../../src/accounts/fanout';
import type { AccountWorkItem } from '../../src/accounts/work';
import { ACCOUNT_WORK_IDEMPOTENCY_PK, accountWorker } from '../../src/accounts/worker';
import { type Clients, makeClients } from '../../src/clients';
import { type Config, loadConfig } from '../../src/config';
import { departureWorker, type FanOut } from '../../src/departures/worker';
import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import { NothingToRestoreError } from '../../src/errors';
import { lockdown, restore } from '../../src/operator/lockdown';
import { keySweepAcrossAccounts } from '../../src/sweep/sweep';
import type { SweepSummary } from '../../src/sweep/types';
import { webhookHandler } from '../../src/webhooks/handler';
import {
  createMemberRole,
  createOrganizationAccounts,
  denyAssumeRoleInto,
  forAccount,
  memberAccountClients,
  memberRoleIam,
} from '../../tools/local/accounts';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../../tools/local/moto';
import { chain, FakeSessionManager, noServiceCredentials } from '../../tools/local/moto-gaps';
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
import { staleReadsOf } from '../support/eventual-consistency';
import {
  createQueue,
  drainBodies,
  lambdaContext,
  pollOnce,
  putWebhookSecrets,
  receive,
} from './departure-fixtures';

const A = MOTO_ACCOUNT_ID; // the central (home) account
const B = '222222222222';
const C = '333333333333';
const REGION = 'us-east-1';
const MEMBER_ROLE = 'offboarding-member';
const PREFIX = '/offboarding/webhook/';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
/** The account queue's redrive limit (RedrivePolicy maxReceiveCount). */
const MAX_RECEIVES = 2;
const DAY = 86_400_000;

let moto: Moto;
let proxy: FaultProxy;
let admin: Credentials;
let stack: LocalStack;
/** The functions' clients: the operator's key, through the proxy. */
let clients: Clients;
let departures: { url: string };
let accountQueue: { url: string; dlqUrl?: string };
/** Organization accounts made for the sweep: one with too many expired keys, one with a single one. */
let crowded: string;
let tidy: string;
const sessions = new FakeSessionManager();
/** An admin user of B (not the member role), to repair B if a test breaks the member role. */
let breakGlassB: Credentials;
/** Every seeded user, by `<account>/<name>`. */
const users: Record<string, SeededUser> = {};

const defaultIntercept = () => chain(sessions.intercept, noServiceCredentials);

/** Configuration as a function would load it from its environment, with the stack's table, topic and queues. */
const configFrom = (env: Record<string, string>): Config =>
  loadConfig({
    NOTIFY_TOPIC_ARN: stack.config.notifyTopicArn,
    STATE_TABLE: stack.config.stateTable,
    DEPARTURE_QUEUE_URL: departures.url,
    WEBHOOK_SECRET_PREFIX: PREFIX,
    AWS_REGION: REGION,
    MEMBER_ROLE_NAME: MEMBER_ROLE,
    ...env,
  });
const orgConfig = () =>
  configFrom({ TARGET_ACCOUNTS: [A, B, C].join(','), ACCOUNT_QUEUE_URL: accountQueue.url });

// ---- reading moto's state, outside the code under test ----------------------------------------------------

const inspectors = new Map<string, Promise<IAMClient>>();
/** An IAM client acting in `account`: the operator at home, a member-role session elsewhere (straight to moto). */
function inspect(account: string): Promise<IAMClient> {
  let iam = inspectors.get(account);
  if (!iam) {
    iam = (async () => {
      if (account === A) return iamAt(admin);
      return memberRoleIam(moto.endpoint, REGION, admin, `arn:aws:iam::${account}:role/${MEMBER_ROLE}`, {
        sessionName: 'test-inspector',
        maxAttempts: 1,
      });
    })();
    inspectors.set(account, iam);
  }
  return iam;
}
const iamAt = (credentials: Credentials) =>
  new IAMClient({ region: REGION, endpoint: moto.endpoint, credentials, maxAttempts: 1 });
const attached = async (account: string, userName: string) =>
  (
    (await (await inspect(account)).send(new ListAttachedUserPoliciesCommand({ UserName: userName })))
      .AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);
const keyStatuses = async (account: string, userName: string) =>
  Object.fromEntries(
    (
      (await (await inspect(account)).send(new ListAccessKeysCommand({ UserName: userName })))
        .AccessKeyMetadata ?? []
    ).map((k) => [k.AccessKeyId, k.Status]),
  );
/** The user's own key, in its own account (moto looks the key up in the account the header names). */
const ownKey = (account: string, name: string) =>
  forAccount(iamAt(users[`${account}/${name}`]?.keys[0] as Credentials), account)
    .send(new ListUsersCommand({}))
    .then(
      () => 'allowed',
      (err: Error) => err.name,
    );
const partition = async (pk: string) =>
  (
    await clients.ddb.send(
      new QueryCommand({
        TableName: stack.config.stateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    )
  ).Items ?? [];
const notifications = () => drainInbox(clients.sqs, stack.inbox.queueUrl);
const json = (n: ReceivedNotification | undefined) =>
  JSON.parse(n?.message ?? '{}') as Record<string, unknown>;
const iamCalls = () =>
  Object.entries(proxy.stats().byOperation).filter(
    ([op]) => op.startsWith('iam:') || op === 'sts:AssumeRole',
  );

// ---- the functions --------------------------------------------------------------------------------------

/** A standard departure, signed like the sender would, as API Gateway passes it. */
const departureEvent = (webhookId: string, data: Record<string, string>) =>
  standardEvent({ webhookId, secret: SECRET, data });

/**
 * The webhook receives a signed departure and queues it; the departure worker, wired as
 * handlers/revocation-worker.ts wires it (the fan-out with its account access), takes it from the queue.
 */
async function depart(
  config: Config,
  webhookId: string,
  person: Record<string, string>,
  fanOut: FanOut = departureFanOut({
    config,
    clients,
    access: accountAccess({ config, clients }),
  }),
): Promise<string> {
  const webhook = webhookHandler({ config, clients });
  const answer = (await webhook(
    departureEvent(webhookId, person),
    lambdaContext('hr-webhook'),
  )) as APIGatewayProxyStructuredResultV2;
  expect(answer.statusCode).toBe(202);
  const [runId] = (JSON.parse(answer.body ?? '{}') as { queued: string[] }).queued;
  const worker = departureWorker({ config, clients, fanOut });
  const { records, response } = await pollOnce(clients.sqs, departures.url, (e) =>
    worker.process(e, lambdaContext('revocation-worker')),
  );
  expect(records).toHaveLength(1);
  expect(response).toEqual({ batchItemFailures: [] });
  return runId as string;
}

const accountWorkerOf = (config: Config, clock?: () => Date) => {
  const w = accountWorker({ config, clients, ...(clock ? { clock } : {}) });
  return (event: SQSEvent): Promise<SQSBatchResponse> => w.process(event, lambdaContext('account-worker'));
};
const itemOf = (r: SQSRecord) => JSON.parse(r.body) as AccountWorkItem;

// The seeding below and the three-account runs take a few seconds on a busy machine.
jest.setTimeout(60_000);

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  stack = await createLocalStack(setup);
  departures = await createQueue(setup.sqs, 'departures');
  accountQueue = await createQueue(setup.sqs, 'account-work', MAX_RECEIVES);
  await putWebhookSecrets(setup.ssmHome, PREFIX, { standard: [SECRET] });

  const iamOf = (account: string) => (account === A ? setup.iam : memberAccountClients(moto, account).iam);
  const seed = async (account: string, name: string, tags: Record<string, string> = {}) => {
    users[`${account}/${name}`] = await createUser(iamOf(account), name, { tags, keys: 1, allowAll: true });
  };
  // The organization (the default account manages it) with two member accounts for the sweep (test 5).
  [crowded, tidy] = (await createOrganizationAccounts(moto, ['sweep-crowded', 'sweep-tidy'])) as [
    string,
    string,
  ];
  await Promise.all([
    ...[B, C, crowded, tidy].map((account) => createMemberRole(iamOf(account), MEMBER_ROLE, A)),
    // Test 4 repairs B with it if the member role gets broken.
    (async () => {
      breakGlassB = await createAdmin(iamOf(B), 'break-glass-b');
    })(),
    // Test 1: one person, a user in each account, matched by either tag.
    seed(A, 'ana', { 'employee-id': 'E-1001', email: 'ana@example.com' }),
    seed(B, 'ana.b', { email: 'ana@example.com' }),
    seed(C, 'ana-c', { 'employee-id': 'E-1001' }),
    // Test 2: C cannot be reached.
    ...[A, B, C].map((account) => seed(account, 'ben', { email: 'ben@example.com' })),
    // Test 3: users in A and B only (nothing in C).
    seed(A, 'cat', { 'employee-id': 'E-3003' }),
    seed(B, 'cat.b', { 'employee-id': 'E-3003' }),
    // Test 4: one name, two accounts, two different users.
    seed(A, 'dana'),
    seed(B, 'dana'),
    // Eventually consistent reads: users in A and C.
    seed(A, 'fay', { email: 'fay@example.com' }),
    seed(C, 'fay-c', { email: 'fay@example.com' }),
    // A person's lockdown over every target account.
    ...[A, B, C].map((account) => seed(account, 'gus', { email: 'gus@example.com' })),
    // Test 6: the home account only.
    seed(A, 'eve', { email: 'eve@example.com' }),
    // Test 5: three expired keys in one account, one in the other (no allow-all: they never sign a request).
    ...['old-1', 'old-2', 'old-3'].map(async (name) => {
      users[`${crowded}/${name}`] = await createUser(iamOf(crowded), name, { keys: 1 });
    }),
    (async () => {
      users[`${tidy}/old-1`] = await createUser(iamOf(tidy), 'old-1', { keys: 1 });
    })(),
    // moto answers STARTED to an account's first GenerateCredentialReport, COMPLETE after: spare the sweep a poll.
    ...[crowded, tidy].map((account) => iamOf(account).send(new GenerateCredentialReportCommand({}))),
  ]);

  proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: defaultIntercept() });
  await moto.enableIamEnforcement();
  clients = makeClients({ region: REGION, endpoint: proxy.endpoint, credentials: admin, maxAttempts: 2 });
}, 90_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

beforeEach(async () => {
  proxy.configure({ intercept: defaultIntercept() });
  await notifications();
});

describe('Integration: one departure across accounts (moto, IAM enforcement on)', () => {
  it('fans out one work item per account, denies each user in its own account, and notifies once naming all three', async () => {
    const config = orgConfig();
    for (const [account, name] of [
      [A, 'ana'],
      [B, 'ana.b'],
      [C, 'ana-c'],
    ] as const) {
      expect(await ownKey(account, name)).toBe('allowed');
    }
    // An open Session Manager session of the user in B (the stand-in store: moto has none).
    const session = sessions.open(`arn:aws:iam::${B}:user/ana.b`, 'i-0member');

    const runId = await depart(config, 'msg_org_ana', { employeeId: 'E-1001', email: 'ana@example.com' });

    // The departure worker revoked nothing itself: it queued one work item per target account.
    const queued = await receive(clients.sqs, accountQueue.url);
    expect(queued.map(itemOf).map((i) => [i.kind, i.id, i.accountId])).toEqual(
      expect.arrayContaining([A, B, C].map((a) => ['departure', `${runId}@${a}`, a])),
    );
    expect(queued).toHaveLength(3);
    expect(await notifications()).toEqual([]);
    // (receive() hid them for 30 s: put them back.)
    await clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: accountQueue.url,
        Entries: queued.map((r, i) => ({
          Id: String(i),
          ReceiptHandle: r.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );

    // The account worker drains them one at a time: the notification waits for the last account.
    const process = accountWorkerOf(config);
    const handled: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { records, response } = await pollOnce(clients.sqs, accountQueue.url, process, 1);
      expect(records).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
      handled.push(itemOf(records[0] as SQSRecord).accountId);
      if (i < 2) expect(await notifications()).toEqual([]);
    }
    expect(handled.sort()).toEqual([A, B, C].sort());
    expect(await drainBodies(clients.sqs, accountQueue.url)).toEqual([]);

    for (const [account, name] of [
      [A, 'ana'],
      [B, 'ana.b'],
      [C, 'ana-c'],
    ] as const) {
      expect(await attached(account, name)).toContain(DENY);
      expect(Object.values(await keyStatuses(account, name))).toEqual(['Inactive']);
      // Each user still holds allow-all: only the explicit deny refuses the own key, in its own account.
      expect(await ownKey(account, name)).toBe('AccessDenied');
    }
    expect(sessions.sessions.get(session)?.Status).toBe('Terminated');

    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
    expect(sent[0]?.subject).toContain(': revoked across 3 accounts');
    const coverage = json(sent[0]);
    expect(coverage).toMatchObject({
      kind: 'departure-coverage',
      runId,
      targets: [A, B, C].sort(),
      complete: true,
      outcome: 'revoked',
      unreachable: [],
    });
    const byAccount = Object.fromEntries(
      (
        coverage.accounts as {
          accountId: string;
          outcome: string;
          principals: { principal: { arn: string } }[];
        }[]
      ).map((a) => [a.accountId, { outcome: a.outcome, arns: a.principals.map((p) => p.principal.arn) }]),
    );
    expect(byAccount).toEqual({
      [A]: { outcome: 'revoked', arns: [`arn:aws:iam::${A}:user/ana`] },
      [B]: { outcome: 'revoked', arns: [`arn:aws:iam::${B}:user/ana.b`] },
      [C]: { outcome: 'revoked', arns: [`arn:aws:iam::${C}:user/ana-c`] },
    });

    // Each account's records apart in the one table: the home account's as before, others under account#<id>#.
    expect((await partition('principal#user#ana')).map((i) => i.runId)).toContain(runId);
    expect((await partition(`account#${B}#principal#user#ana.b`)).map((i) => i.runId)).toContain(runId);
    expect((await partition(`account#${C}#principal#user#ana-c`)).map((i) => i.runId)).toContain(runId);
    expect(await partition('principal#user#ana.b')).toEqual([]);
    // The departure itself is done once, as fanned out to three accounts.
    const departure = (await partition('idempotency#departure')).filter(
      (i) => (i.data as { runId?: string } | undefined)?.runId === runId,
    );
    expect(departure).toEqual([
      expect.objectContaining({ status: 'COMPLETED', data: { runId, outcome: 'fanned-out', accounts: 3 } }),
    ]);
  });

  it('says partial naming an account whose member role cannot be assumed, retries it, and past the redrive limit alerts and dead-letters it', async () => {
    const config = orgConfig();
    // moto lets anyone assume any role: the refusal STS gives (403 AccessDenied) comes from the proxy.
    proxy.configure({ intercept: chain(defaultIntercept(), denyAssumeRoleInto([C])) });

    const runId = await depart(config, 'msg_org_ben', { email: 'ben@example.com' });
    const process = accountWorkerOf(config);

    // First delivery of the three items: A and B done, C's record returned for a retry.
    const first = await pollOnce(clients.sqs, accountQueue.url, process);
    expect(first.records).toHaveLength(3);
    const cRecord = first.records.find((r) => itemOf(r).accountId === C) as SQSRecord;
    expect(first.response).toEqual({ batchItemFailures: [{ itemIdentifier: cRecord.messageId }] });

    const [coverageSent, ...others] = await notifications();
    expect(others).toEqual([]);
    expect(coverageSent?.attributes).toEqual({ trigger: 'departure', outcome: 'partial', severity: 'high' });
    const coverage = json(coverageSent) as {
      outcome: string;
      unreachable: { accountId: string; why: string }[];
      accounts: { accountId: string; outcome: string }[];
    };
    expect(coverage.outcome).toBe('partial');
    expect(coverage.unreachable).toEqual([
      {
        accountId: C,
        why: expect.stringMatching(
          new RegExp(`role arn:aws:iam::${C}:role/${MEMBER_ROLE} could not be assumed.*not authorized`),
        ),
      },
    ]);
    expect(Object.fromEntries(coverage.accounts.map((a) => [a.accountId, a.outcome]))).toEqual({
      [A]: 'revoked',
      [B]: 'revoked',
      [C]: 'unreachable',
    });
    expect(coverageSent?.subject).toContain('1 unreachable');

    for (const account of [A, B]) {
      expect(await attached(account, 'ben')).toContain(DENY);
      expect(await ownKey(account, 'ben')).toBe('AccessDenied');
    }
    // Nothing happened in C.
    expect(await attached(C, 'ben')).toEqual([]);
    expect(await ownKey(C, 'ben')).toBe('allowed');

    // The last allowed delivery fails too: a high-severity alert, and no second coverage notification.
    const second = await pollOnce(clients.sqs, accountQueue.url, process);
    expect(second.records.map((r) => itemOf(r).id)).toEqual([`${runId}@${C}`]);
    expect(second.records[0]?.attributes.ApproximateReceiveCount).toBe(String(MAX_RECEIVES));
    expect(second.response.batchItemFailures).toEqual([{ itemIdentifier: second.records[0]?.messageId }]);
    const [alert, ...more] = await notifications();
    expect(more).toEqual([]);
    expect(alert?.attributes).toEqual({ trigger: 'departure', outcome: 'dead-letter', severity: 'high' });
    expect(json(alert)).toMatchObject({
      kind: 'account-dead-letter',
      id: `${runId}@${C}`,
      accountId: C,
      attempts: MAX_RECEIVES,
    });
    expect(alert?.subject).toContain(`Account ${C} not reached`);

    // Past maxReceiveCount the queue has moved it to the DLQ.
    expect((await pollOnce(clients.sqs, accountQueue.url, process)).records).toEqual([]);
    const dead = (await drainBodies(clients.sqs, accountQueue.dlqUrl as string)) as AccountWorkItem[];
    expect(dead.map((i) => [i.id, i.accountId])).toEqual([[`${runId}@${C}`, C]]);
    const recorded = await readCoverage({ ddb: clients.ddb, table: config.stateTable }, runId);
    expect(recorded?.accounts.find((a) => a.accountId === C)).toMatchObject({
      outcome: 'unreachable',
      attempts: MAX_RECEIVES,
    });

    // The cause fixed (the role can be assumed again), the DLQ redriven: C is revoked, and the new state of the
    // run is notified once.
    proxy.configure({ intercept: defaultIntercept() });
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: accountQueue.url, MessageBody: JSON.stringify(dead[0]) }),
    );
    expect((await pollOnce(clients.sqs, accountQueue.url, process)).response).toEqual({
      batchItemFailures: [],
    });
    expect(await attached(C, 'ben')).toContain(DENY);
    expect(await ownKey(C, 'ben')).toBe('AccessDenied');
    const [complete, ...extra] = await notifications();
    expect(extra).toEqual([]);
    expect(complete?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
    expect(json(complete)).toMatchObject({ runId, outcome: 'revoked', unreachable: [] });
  });

  it('revokes once when the same work item is delivered twice', async () => {
    const config = orgConfig();
    const runId = await depart(config, 'msg_org_cat', { employeeId: 'E-3003' });
    const process = accountWorkerOf(config);

    proxy.reset();
    const first = await pollOnce(clients.sqs, accountQueue.url, process);
    expect(first.response).toEqual({ batchItemFailures: [] });
    expect(first.records).toHaveLength(3);
    // The two users (A and B) each got the deny; C has no user of the person.
    expect(proxy.stats().byOperation['iam:AttachUserPolicy']).toBe(2);
    expect(await attached(B, 'cat.b')).toContain(DENY);
    const [done] = await notifications();
    expect(done?.attributes).toMatchObject({ outcome: 'revoked' });
    expect(
      Object.fromEntries(
        (json(done).accounts as { accountId: string; outcome: string }[]).map((a) => [
          a.accountId,
          a.outcome,
        ]),
      ),
    ).toEqual({ [A]: 'revoked', [B]: 'revoked', [C]: 'not-found' });

    // SQS delivers B's item again (at-least-once).
    const bBody = first.records.find((r) => itemOf(r).accountId === B)?.body as string;
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: accountQueue.url, MessageBody: bBody }));
    proxy.reset();
    const again = await pollOnce(clients.sqs, accountQueue.url, process);

    expect(again.records.map((r) => itemOf(r).id)).toEqual([`${runId}@${B}`]);
    expect(again.response).toEqual({ batchItemFailures: [] });
    // Answered from the idempotency record: no role assumed, no IAM call at all, nothing notified.
    expect(iamCalls()).toEqual([]);
    expect(await notifications()).toEqual([]);
    // The item's one idempotency record (Powertools, on the state table), completed with its result.
    const records = (await partition(ACCOUNT_WORK_IDEMPOTENCY_PK)).filter(
      (i) => (i.data as { id?: string } | undefined)?.id === `${runId}@${B}`,
    );
    expect(records).toEqual([
      expect.objectContaining({
        status: 'COMPLETED',
        data: { id: `${runId}@${B}`, accountId: B, outcome: 'revoked' },
      }),
    ]);
    const coverage = await readCoverage({ ddb: clients.ddb, table: config.stateTable }, runId);
    expect(coverage?.accounts.find((a) => a.accountId === B)?.attempts).toBe(1);
  });

  it("sends the completion notification even when DynamoDB's default read misses the last account's write", async () => {
    const config = orgConfig();
    // moto's DynamoDB is always strongly consistent: the stand-in answers a Query that does not ask for a
    // consistent read without the item last written to that coverage partition, as DynamoDB may.
    const stale = staleReadsOf((pk) => pk.startsWith('coverage#'));
    proxy.configure({ intercept: chain(stale.intercept, defaultIntercept()) });

    const runId = await depart(config, 'msg_org_fay', { email: 'fay@example.com' });
    const process = accountWorkerOf(config);
    for (let i = 0; i < 3; i++) {
      const { records, response } = await pollOnce(clients.sqs, accountQueue.url, process, 1);
      expect(records).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
    }
    expect(await attached(A, 'fay')).toContain(DENY);
    expect(await attached(C, 'fay-c')).toContain(DENY);

    // Every account has reported (read consistently, without the stand-in): the run is complete, and one
    // notification must say so.
    proxy.configure({ intercept: defaultIntercept() });
    const coverage = await readCoverage({ ddb: clients.ddb, table: config.stateTable }, runId);
    expect(coverage?.complete).toBe(true);
    const sent = await notifications();
    expect(sent.map((n) => n.attributes.outcome)).toEqual(['revoked']);
    // What decides "the last account has reported" must read its own write: a consistent read.
    expect(stale.queries.filter((q) => q.pk === `coverage#${runId}` && !q.consistent)).toEqual([]);
  });
});

describe('Integration: lockdown and restore in a named account', () => {
  it('acts on the named account only: the same-named user elsewhere is untouched, and restore there undoes it', async () => {
    const config = orgConfig();
    const deps = () => ({ config, clients, now: new Date(), access: accountAccess({ config, clients }) });
    expect(await ownKey(A, 'dana')).toBe('allowed');
    expect(await ownKey(B, 'dana')).toBe('allowed');
    const homeKeys = await keyStatuses(A, 'dana');

    const report: RevocationReport = (await lockdown(
      { target: { userName: 'dana' }, accountId: B, reason: 'INC-11 key leaked', requestedBy: 'secops' },
      deps(),
    )) as RevocationReport;

    expect(report).toMatchObject({ outcome: 'revoked', accountId: B });
    expect(report.principals.map((p) => p.principal.arn)).toEqual([`arn:aws:iam::${B}:user/dana`]);
    expect(await attached(B, 'dana')).toContain(DENY);
    expect(Object.values(await keyStatuses(B, 'dana'))).toEqual(['Inactive']);
    expect(await ownKey(B, 'dana')).toBe('AccessDenied');
    // The home account's dana: no deny, key Active and working.
    expect(await attached(A, 'dana')).toEqual([]);
    expect(await keyStatuses(A, 'dana')).toEqual(homeKeys);
    expect(await ownKey(A, 'dana')).toBe('allowed');
    // Records under B's partition only; the notification names the account.
    expect((await partition(`account#${B}#principal#user#dana`)).map((i) => i.runId)).toContain(report.runId);
    expect(await partition('principal#user#dana')).toEqual([]);
    const [sent] = await notifications();
    expect(json(sent)).toMatchObject({ runId: report.runId, accountId: B });

    // B unreachable: the lockdown says so and changes nothing (here, the home account's dana).
    proxy.configure({ intercept: chain(defaultIntercept(), denyAssumeRoleInto([B])) });
    await expect(
      lockdown(
        { target: { userName: 'dana' }, accountId: B, reason: 'INC-11', requestedBy: 'secops' },
        deps(),
      ),
    ).rejects.toBeInstanceOf(AccountUnreachableError);
    proxy.configure({ intercept: defaultIntercept() });
    expect(await attached(A, 'dana')).toEqual([]);

    // Restore in the home account finds nothing of B's to undo.
    await expect(
      restore({ target: { userName: 'dana' }, reason: 'INC-11 closed', requestedBy: 'secops' }, deps()),
    ).rejects.toBeInstanceOf(NothingToRestoreError);

    const restored: RestoreReport = (await restore(
      { target: { userName: 'dana' }, accountId: B, reason: 'INC-11 closed', requestedBy: 'secops' },
      deps(),
    )) as RestoreReport;
    expect(restored).toMatchObject({ outcome: 'restored', accountId: B });
    expect(await attached(B, 'dana')).toEqual([]);
    expect(Object.values(await keyStatuses(B, 'dana'))).toEqual(['Active']);
    expect(await ownKey(B, 'dana')).toBe('allowed');
    expect(await attached(A, 'dana')).toEqual([]);
    expect(await keyStatuses(A, 'dana')).toEqual(homeKeys);
  });

  it('locks a person down in every target account when no account is named; an unreachable one makes it partial', async () => {
    const config = orgConfig();
    proxy.configure({ intercept: chain(defaultIntercept(), denyAssumeRoleInto([C])) });

    const report = (await lockdown(
      { target: { email: 'gus@example.com' }, reason: 'INC-13 phished', requestedBy: 'secops' },
      { config, clients, now: new Date(), access: accountAccess({ config, clients }) },
    )) as RevocationReport;

    expect(report.outcome).toBe('partial');
    expect([...(report.accounts ?? [])].sort((x, y) => x.accountId.localeCompare(y.accountId))).toEqual([
      { accountId: A, outcome: 'revoked' },
      { accountId: B, outcome: 'revoked' },
      { accountId: C, outcome: 'unreachable', error: expect.stringContaining('could not be assumed') },
    ]);
    expect(report.principals.map((p) => p.principal.arn).sort()).toEqual(
      [`arn:aws:iam::${A}:user/gus`, `arn:aws:iam::${B}:user/gus`].sort(),
    );
    for (const account of [A, B]) {
      expect(await attached(account, 'gus')).toContain(DENY);
      expect(await ownKey(account, 'gus')).toBe('AccessDenied');
    }
    expect(await attached(C, 'gus')).toEqual([]);
    expect(await ownKey(C, 'gus')).toBe('allowed');
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({ trigger: 'lockdown', outcome: 'partial' });
    expect(json(sent[0])).toMatchObject({ runId: report.runId, outcome: 'partial' });
  });

  it("never locks down the member role it acts through in that account (the project's own role there)", async () => {
    const config = orgConfig();
    const breakGlass = forAccount(iamAt(breakGlassB), B);
    const inline = async () =>
      (
        (await breakGlass.send(new ListRolePoliciesCommand({ RoleName: MEMBER_ROLE }))).PolicyNames ?? []
      ).sort();
    expect(await inline()).toEqual(['allow-all']);
    try {
      const report = (await lockdown(
        { target: { roleName: MEMBER_ROLE }, accountId: B, reason: 'INC-12', requestedBy: 'secops' },
        { config, clients, now: new Date(), access: accountAccess({ config, clients }) },
      )) as RevocationReport;

      // As the home account's own roles (PROJECT_ROLE_PREFIX): protected, nothing written.
      expect(report.outcome).toBe('protected');
      expect(await inline()).toEqual(['allow-all']);
    } finally {
      // moto ignores the deny's TokenIssueTime condition: a deny written on the member role locks B for good.
      for (const name of await inline()) {
        if (name !== 'allow-all') {
          await breakGlass.send(new DeleteRolePolicyCommand({ RoleName: MEMBER_ROLE, PolicyName: name }));
        }
      }
    }
  });
});

describe('Integration: the key sweep over an organization', () => {
  it('queues one sweep per account; each halts or enforces on its own breaker', async () => {
    const config = configFrom({
      TARGET_ACCOUNTS: 'organization',
      // The management account (this test's home, full of other tests' users) is left out.
      EXCLUDED_ACCOUNTS: A,
      ACCOUNT_QUEUE_URL: accountQueue.url,
      SWEEP_MODE: 'enforce',
      SWEEP_MAX_ACTIONS: '2',
      SWEEP_MAX_FRACTION: '1',
    });
    const before = {
      crowded: await Promise.all(['old-1', 'old-2', 'old-3'].map((u) => keyStatuses(crowded, u))),
      tidy: await keyStatuses(tidy, 'old-1'),
    };
    expect(Object.values(before.tidy)).toEqual(['Active']);

    const fanOut = sweepFanOut({ config, clients, access: accountAccess({ config, clients }) });
    const summary = await keySweepAcrossAccounts({ mode: 'enforce' }, fanOut, new Date(), 'sweep-org-1');
    expect(summary).toMatchObject({ kind: 'sweep-fan-out', sweepId: 'sweep-org-1', mode: 'enforce' });
    expect(summary.accounts).toEqual([crowded, tidy].sort());

    // moto cannot date keys: the account worker's clock is 100 days ahead (every key moto made is expired).
    const later = new Date(Date.now() + 100 * DAY);
    const { records, response } = await pollOnce(
      clients.sqs,
      accountQueue.url,
      accountWorkerOf(config, () => later),
    );
    expect(
      records
        .map((r) => itemOf(r))
        .map((i) => [i.kind, i.id])
        .sort(),
    ).toEqual([crowded, tidy].sort().map((a) => ['sweep', `sweep-org-1@${a}`]));
    expect(response).toEqual({ batchItemFailures: [] });

    const summaries = (await notifications())
      .map((n) => json(n) as unknown as SweepSummary)
      .filter((s) => s.kind === 'sweep');
    const outcomes = Object.fromEntries(summaries.map((s) => [s.accountId, s.outcome]));
    expect(outcomes).toEqual({ [crowded]: 'halted', [tidy]: 'enforced' });
    // Three expired keys where at most two may be deactivated: that account halts, nothing deactivated there.
    expect(await Promise.all(['old-1', 'old-2', 'old-3'].map((u) => keyStatuses(crowded, u)))).toEqual(
      before.crowded,
    );
    for (const k of before.crowded) expect(Object.values(k)).toEqual(['Active']);
    // The other account's one expired key is deactivated.
    expect(await keyStatuses(tidy, 'old-1')).toEqual({
      [users[`${tidy}/old-1`]?.keys[0]?.accessKeyId as string]: 'Inactive',
    });
  });
});

describe('Integration: TARGET_ACCOUNTS=self', () => {
  it('needs no account queue: the departure worker revokes inline and notifies as before', async () => {
    const config = configFrom({ TARGET_ACCOUNTS: 'self' });
    expect(config.accountQueueUrl).toBeUndefined();
    const fanOut = jest.fn<ReturnType<FanOut>, Parameters<FanOut>>();

    const runId = await depart(config, 'msg_self_eve', { email: 'eve@example.com' }, fanOut);

    expect(fanOut).not.toHaveBeenCalled();
    expect(await attached(A, 'eve')).toContain(DENY);
    expect(await ownKey(A, 'eve')).toBe('AccessDenied');
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(json(sent[0])).toMatchObject({ kind: 'revocation', runId, outcome: 'revoked' });
    expect(await drainBodies(clients.sqs, accountQueue.url)).toEqual([]);
  });
});
