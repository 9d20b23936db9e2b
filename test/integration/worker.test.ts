/**
 * HR webhook -> departure queue -> revocation worker -> engine, on a real moto_server with IAM enforcement
 * on: the code runs with an operator's key, and the departed users' own keys prove the denial. SSM Session
 * Manager is mocked on its own client instance (moto has no DescribeSessions/TerminateSession); the webhook
 * secrets still come from moto's SSM parameters.
 */
import {
  CreateLoginProfileCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { departureWorker } from '../../src/departures/worker';
import type { RevocationReport } from '../../src/engine/types';
import { webhookHandler } from '../../src/webhooks/handler';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  drainInbox,
  type LocalStack,
  motoClients,
  type SeededUser,
} from '../../tools/local/seed';
import { standardEvent } from '../../tools/testing/webhook-event';
import { createQueue, drainBodies, lambdaContext, pollOnce, putWebhookSecrets } from './departure-fixtures';

const PREFIX = '/offboarding/webhook/';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REGION = 'us-east-1';
const MAX_RECEIVES = 2;

let moto: Moto;
let admin: Credentials;
let stack: LocalStack;
let config: Config;
let clients: Clients;
let queue: { url: string; dlqUrl?: string };
const users: Record<string, SeededUser> = {};
let noPermissions: Credentials;

const sessions = new SSMClient({ region: REGION });
const sessionsMock = mockClient(sessions);

const iamAs = (c: Credentials) =>
  new IAMClient({ region: REGION, endpoint: moto.endpoint, credentials: c, maxAttempts: 1 });
/** The user's own key: can it still call IAM? */
const canListUsers = async (c: Credentials) =>
  iamAs(c)
    .send(new ListUsersCommand({}))
    .then(
      () => 'allowed',
      (err: Error) => err.name,
    );
const keyStatuses = async (userName: string) =>
  ((await clients.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map(
    (k) => k.Status,
  );
const loginProfile = async (userName: string) =>
  clients.iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
    () => 'present',
    (err: Error) => err.name,
  );
const notifications = () => drainInbox(clients.sqs, stack.inbox.queueUrl);
const revocationRecords = async (userName: string) =>
  (
    await clients.ddb.send(
      new QueryCommand({
        TableName: config.stateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `principal#user#${userName}` },
      }),
    )
  ).Items ?? [];

/** A standard departure, signed like the sender would, as API Gateway passes it. */
const departureEvent = (webhookId: string, data: Record<string, string>) =>
  standardEvent({ webhookId, secret: SECRET, data });

const webhook = (event: APIGatewayProxyEventV2) =>
  webhookHandler({ config, clients })(
    event,
    lambdaContext('hr-webhook'),
  ) as Promise<APIGatewayProxyStructuredResultV2>;
const worker = (c: Clients = clients) => {
  const w = departureWorker({ config, clients: c });
  return (event: SQSEvent) => w.process(event, lambdaContext('revocation-worker'));
};

// jest.config's per-project testTimeout is not applied (a global option): say it here.
jest.setTimeout(30_000);

beforeAll(async () => {
  moto = await startMoto();
  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  stack = await createLocalStack(setup);
  queue = await createQueue(setup.sqs, 'departures', MAX_RECEIVES);
  await putWebhookSecrets(setup.ssmHome, PREFIX, { standard: [SECRET] });
  const person = (name: string, tags: Record<string, string>) =>
    createUser(setup.iam, name, { tags, keys: 1, allowAll: true });
  users.janeDev = await person('jane-dev', { email: 'jane.doe@example.com' });
  users.janeOps = await person('jane-ops', { 'employee-id': 'E-1042' });
  users.sam = await person('sam', { email: 'sam@example.com' });
  users.bob = await person('bob', { email: 'bob@example.com' });
  for (const name of ['jane-dev', 'jane-ops', 'sam']) {
    await setup.iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'S3cure-Passw0rd!' }));
  }
  noPermissions = (await createUser(setup.iam, 'no-permissions', { keys: 1 })).keys[0] as Credentials;
  await moto.enableIamEnforcement();

  clients = makeClients(
    { region: REGION, endpoint: moto.endpoint, credentials: admin, maxAttempts: 2 },
    {
      ssm: () => sessions,
      ssmHome: new SSMClient({ region: REGION, endpoint: moto.endpoint, credentials: admin }),
    },
  );
  config = { ...stack.config, departureQueueUrl: queue.url, webhookSecretPrefix: PREFIX };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  sessionsMock.reset();
  sessionsMock.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  sessionsMock.on(TerminateSessionCommand).resolves({});
  await notifications();
});

describe('Integration: departure end to end on moto with IAM enforcement', () => {
  it('revokes both IAM users tagged for the person: own keys denied, keys Inactive, login profiles deleted, one notification', async () => {
    const jane = [users.janeDev, users.janeOps] as SeededUser[];
    for (const u of jane) {
      expect(await canListUsers(u.keys[0] as Credentials)).toBe('allowed');
      expect(await loginProfile(u.userName)).toBe('present');
    }

    const r = await webhook(
      departureEvent('msg_e2e_jane', { employeeId: 'E-1042', email: 'jane.doe@example.com' }),
    );
    expect(r.statusCode).toBe(202);
    const { records, response } = await pollOnce(clients.sqs, queue.url, worker());
    expect(records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });

    for (const u of jane) {
      expect(await canListUsers(u.keys[0] as Credentials)).toBe('AccessDenied');
      expect(await keyStatuses(u.userName)).toEqual(['Inactive']);
      expect(await loginProfile(u.userName)).toBe('NoSuchEntityException');
    }
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
    const report = JSON.parse(sent[0]?.message ?? '{}') as RevocationReport;
    expect(report.runId).toBe('standard:msg_e2e_jane');
    expect(report.principals.map((p) => p.principal.name).sort()).toEqual(['jane-dev', 'jane-ops']);

    // Someone else is untouched.
    expect(await canListUsers(users.bob?.keys[0] as Credentials)).toBe('allowed');
    expect(await keyStatuses('bob')).toEqual(['Active']);
  });

  it('runs one revocation and sends one notification for five deliveries of the same departure', async () => {
    const event = departureEvent('msg_e2e_sam', { email: 'sam@example.com' });
    for (let i = 0; i < 5; i++) expect((await webhook(event)).statusCode).toBe(202);

    // The event source mapping sees the copies in separate batches (one of two, then one at a time).
    const process = worker();
    let received = 0;
    for (let poll = 0; poll < 10 && received < 5; poll++) {
      const { records, response } = await pollOnce(clients.sqs, queue.url, process, poll === 0 ? 2 : 1);
      expect(response).toEqual({ batchItemFailures: [] });
      received += records.length;
    }
    expect(received).toBe(5);
    expect(await drainBodies(clients.sqs, queue.url)).toEqual([]);

    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
    const runs = (await revocationRecords('sam')).filter((i) => i.kind === 'revocation');
    expect(runs.map((i) => i.runId)).toEqual(['standard:msg_e2e_sam']);
    expect(await canListUsers(users.sam?.keys[0] as Credentials)).toBe('AccessDenied');
  });

  it('reports an unknown person as not-found with a notification and does not retry nor rerun it', async () => {
    const event = departureEvent('msg_e2e_ghost', { email: 'ghost@example.com' });
    expect((await webhook(event)).statusCode).toBe(202);
    const first = await pollOnce(clients.sqs, queue.url, worker());
    expect(first.response).toEqual({ batchItemFailures: [] });
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({
      trigger: 'departure',
      outcome: 'not-found',
      // A leaver whose access was not found is a finding.
      severity: 'high',
    });

    // The sender retries the delivery: no second run, no second notification, nothing left queued.
    expect((await webhook(event)).statusCode).toBe(202);
    expect((await pollOnce(clients.sqs, queue.url, worker())).response).toEqual({ batchItemFailures: [] });
    expect(await notifications()).toEqual([]);
    expect(await drainBodies(clients.sqs, queue.url)).toEqual([]);
  });

  it('reports a malformed message with a notification and does not retry it', async () => {
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ id: 'x', person: {} }) }),
    );
    const { records, response } = await pollOnce(clients.sqs, queue.url, worker());
    expect(records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attributes).toMatchObject({
      trigger: 'departure',
      outcome: 'malformed',
      severity: 'high',
    });
    expect(await drainBodies(clients.sqs, queue.url)).toEqual([]);
    expect(await drainBodies(clients.sqs, queue.dlqUrl as string)).toEqual([]);
  });

  it('returns a departure to the queue while IAM refuses the worker, and past the redrive limit the DLQ holds it', async () => {
    // The worker's IAM calls are signed by a principal without permissions: AccessDenied on every read.
    const denied = { ...clients, iam: iamAs(noPermissions) };
    const process = worker(denied);
    expect((await webhook(departureEvent('msg_e2e_denied', { email: 'sam@example.com' }))).statusCode).toBe(
      202,
    );

    for (let attempt = 1; attempt <= MAX_RECEIVES; attempt++) {
      const { records, response } = await pollOnce(clients.sqs, queue.url, process);
      expect(records).toHaveLength(1);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    }
    // The next receive finds it past maxReceiveCount: SQS has moved it to the DLQ.
    expect((await pollOnce(clients.sqs, queue.url, process)).records).toEqual([]);
    const dead = (await drainBodies(clients.sqs, queue.dlqUrl as string)) as { id: string }[];
    expect(dead.map((m) => m.id)).toEqual(['standard:msg_e2e_denied']);
  });
});
