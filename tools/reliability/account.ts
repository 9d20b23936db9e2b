import {
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Clients } from '../../src/clients';
import type { ProviderName } from '../../src/webhooks/registry';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../local/moto';
import { chain, FakeSessionManager, noServiceCredentials } from '../local/moto-gaps';
import { type Interceptor, seededRandom } from '../local/proxy';
import {
  ALLOW_ALL,
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  type Inbox,
  motoClients,
} from '../local/seed';
import { type ObservedProxy, startObservedProxy } from './observe';

/**
 * The local account the scenarios run in: one moto_server with IAM enforcement on (the code under test signs
 * with an operator's key), a fake Session Manager, and per scenario its own stack (state table, topic with an
 * inbox queue, departure queue with a DLQ and redrive policy, webhook secrets) and its own fault proxy, so
 * each scenario's faults and counts are its own. Never bundled into a handler.
 */

export const REGION = 'us-east-1';
export const SECRET_PREFIX = '/offboarding/webhook/';
export const DENY_POLICY_ARN = 'arn:aws:iam::aws:policy/AWSDenyAll';
export const PROTECTED_TAG_KEY = 'offboarding:protected';

/** One secret per provider, stored as the webhook reads them. */
export const WEBHOOK_SECRETS: Readonly<Record<ProviderName, string>> = {
  standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  okta: 'Bearer reliability-okta-hook-secret',
  bamboohr: 'reliability-bamboo-private-key',
  hibob: 'reliability-hibob-secret',
};

export interface Account {
  readonly moto: Moto;
  readonly admin: Credentials;
  /** The operator's clients straight to moto (no proxy, no faults): seeding and reading back. */
  readonly clients: Clients;
  readonly sessions: FakeSessionManager;
  /** Every protected principal seeded so far (users and roles), and their access key and session ids. */
  readonly protectedIds: Set<string>;
  /** Names of the protected users and roles. */
  readonly protectedNames: Set<string>;
  /** Names listed in `PROTECTED_PRINCIPALS` (the rest are protected by tag). */
  readonly protectedByName: string[];
  stop(): Promise<void>;
}

/** Starts moto, creates the operator (allow-all, one key) and turns IAM enforcement on. */
export async function startAccount(): Promise<Account> {
  const moto = await startMoto({ region: REGION });
  try {
    const setup = motoClients(moto);
    const admin = await createAdmin(setup.iam);
    await moto.enableIamEnforcement();
    const clients = motoClients(moto, admin);
    return {
      moto,
      admin,
      clients,
      sessions: new FakeSessionManager(),
      protectedIds: new Set(),
      protectedNames: new Set(),
      protectedByName: [],
      stop: () => moto.stop(),
    };
  } catch (err) {
    await moto.stop();
    throw err;
  }
}

export interface QueuePair {
  /** The queue's URL as moto names it (the driver talks to moto directly). */
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/** A departure queue with its DLQ: `VisibilityTimeout` and a `RedrivePolicy`, as serverless.yml declares. */
export async function createDepartureQueue(
  sqs: Clients['sqs'],
  name: string,
  visibilityTimeoutSeconds: number,
  maxReceiveCount: number,
): Promise<QueuePair> {
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl ?? '';
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  const url =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount }),
          },
        }),
      )
    ).QueueUrl ?? '';
  return { url, arn: await arnOf(url), dlqUrl, visibilityTimeoutSeconds, maxReceiveCount };
}

export interface StackOptions {
  readonly faultRate: number;
  readonly seed: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** Runs before the fake Session Manager and moto gaps (e.g. to crash the worker after a given call). */
  readonly intercept?: Interceptor;
}

export interface ScenarioStack {
  readonly name: string;
  readonly stateTable: string;
  readonly inbox: Inbox;
  readonly queue: QueuePair;
  readonly proxy: ObservedProxy;
  /** Environment variables of the project's functions in this stack (SDK pointed at the fault proxy). */
  functionEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** Faults come as AWS produces them: throttling, 500, 503, resets before and after the request is served. */
export const FAULT_WEIGHTS = {
  throttle: 2,
  http500: 1,
  http503: 1,
  reset: 1,
  'reset-after-forward': 1,
  latency: 0,
} as const;

/** A scenario's stack and fault proxy on the shared account. */
export async function createScenarioStack(
  account: Account,
  name: string,
  options: StackOptions,
): Promise<ScenarioStack> {
  const { clients } = account;
  const local = await createLocalStack(clients, {}, name);
  const queue = await createDepartureQueue(
    clients.sqs,
    `${name}-departures`,
    options.visibilityTimeoutSeconds,
    options.maxReceiveCount,
  );
  for (const [provider, secret] of Object.entries(WEBHOOK_SECRETS)) {
    await clients.ssmHome.send(
      new PutParameterCommand({
        Name: `${SECRET_PREFIX}${provider}`,
        Type: 'SecureString',
        Value: secret,
        Overwrite: true,
      }),
    );
  }
  const proxy = await startObservedProxy({
    upstream: account.moto.endpoint,
    faultRate: options.faultRate,
    faultWeights: FAULT_WEIGHTS,
    seed: options.seed,
    intercept: chain(
      ...(options.intercept ? [options.intercept] : []),
      account.sessions.intercept,
      noServiceCredentials,
    ),
  });
  const moto = new URL(account.moto.endpoint);
  const viaProxy = new URL(proxy.endpoint);
  return {
    name,
    stateTable: local.config.stateTable,
    inbox: local.inbox,
    queue,
    proxy,
    functionEnv: (extra = {}) => ({
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      // Every client of the function goes through this scenario's fault proxy.
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ACCESS_KEY_ID: account.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: account.admin.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NOTIFY_TOPIC_ARN: local.inbox.topicArn,
      STATE_TABLE: local.config.stateTable,
      // The SQS client sends to the queue URL's host: name the proxy's, or the webhook's sends bypass it.
      DEPARTURE_QUEUE_URL: queue.url.replace(moto.host, viaProxy.host),
      WEBHOOK_SECRET_PREFIX: SECRET_PREFIX,
      DENY_POLICY_ARN: DENY_POLICY_ARN,
      PROTECTED_PRINCIPALS: account.protectedByName.join(','),
      PROTECTED_TAG_KEY: PROTECTED_TAG_KEY,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_SERVICE_NAME: 'offboarding',
      ...extra,
    }),
    close: () => proxy.close(),
  };
}

export type Protection = 'none' | 'tag' | 'name';

export interface SeededUser {
  readonly userName: string;
  readonly arn: string;
  readonly keys: readonly Credentials[];
  readonly protection: Protection;
  readonly mfaSerial?: string;
  readonly sessionIds: readonly string[];
}

export interface SeededPerson {
  readonly index: number;
  readonly employeeId: string;
  readonly email: string;
  readonly provider: ProviderName;
  readonly users: readonly SeededUser[];
  /** The person's federated sessions (`assumed-role/<role>/<email>`). */
  readonly federatedSessionIds: readonly string[];
}

const userArn = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/${name}`;

async function seedUser(
  account: Account,
  userName: string,
  tags: Record<string, string>,
  options: { keys: number; protection: Protection; mfa: boolean; session: boolean },
): Promise<SeededUser> {
  const { iam } = account.clients;
  const allTags = options.protection === 'tag' ? { ...tags, [PROTECTED_TAG_KEY]: 'true' } : tags;
  const user = await createUser(iam, userName, { tags: allTags, keys: options.keys, allowAll: true });
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Reliab1lity-Passw0rd!' }));
  let mfaSerial: string | undefined;
  if (options.mfa) {
    const device = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${userName}-mfa` }),
    );
    mfaSerial = device.VirtualMFADevice?.SerialNumber ?? '';
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: mfaSerial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
  }
  const sessionIds = options.session ? [account.sessions.open(userArn(userName), 'i-0bastion00000001')] : [];
  if (options.protection === 'name') account.protectedByName.push(userName);
  if (options.protection !== 'none') {
    account.protectedIds.add(userName);
    account.protectedNames.add(userName);
    for (const k of user.keys) account.protectedIds.add(k.accessKeyId);
    for (const s of sessionIds) account.protectedIds.add(s);
  }
  return {
    userName,
    arn: userArn(userName),
    keys: user.keys,
    protection: options.protection,
    ...(mfaSerial ? { mfaSerial } : {}),
    sessionIds,
  };
}

const PROVIDERS: readonly ProviderName[] = ['standard', 'okta', 'bamboohr', 'hibob'];

/**
 * Seeds `count` people, each with an IAM user tagged with their employee id and email (one or two keys, a
 * login profile, an allow-all policy so a denial proves the deny), and by index: an MFA device (every 5th),
 * an open SSM session (every 4th) and a federated one (every 6th), a second user (`-ops`, index % 10 = 3),
 * a protected user of their own tagged `offboarding:protected=true` (`-breakglass`, % 10 = 7) or named in
 * `PROTECTED_PRINCIPALS` (`-root`, % 10 = 8), and every 20th from 9 on has only a protected user.
 * The provider that reports each departure is drawn from `seed`.
 */
export async function seedPeople(
  account: Account,
  prefix: string,
  count: number,
  seed: number,
): Promise<SeededPerson[]> {
  const random = seededRandom(seed);
  const people: SeededPerson[] = [];
  for (let i = 0; i < count; i++) {
    const employeeId = `E-${prefix}-${String(i).padStart(4, '0')}`;
    const email = `${prefix}.p${i}@example.com`;
    const provider = PROVIDERS[Math.floor(random() * PROVIDERS.length)] as ProviderName;
    const person = { 'employee-id': employeeId, email };
    const users: SeededUser[] = [];
    users.push(
      await seedUser(account, `${prefix}-p${i}`, person, {
        keys: i % 3 === 0 ? 2 : 1,
        protection: i % 20 === 9 ? 'tag' : 'none',
        mfa: i % 5 === 0,
        session: i % 4 === 0,
      }),
    );
    if (i % 10 === 3) {
      users.push(
        await seedUser(
          account,
          `${prefix}-p${i}-ops`,
          { 'employee-id': employeeId },
          {
            keys: 1,
            protection: 'none',
            mfa: false,
            session: true,
          },
        ),
      );
    }
    if (i % 10 === 7 || i % 10 === 8) {
      const byTag = i % 10 === 7;
      users.push(
        await seedUser(account, `${prefix}-p${i}-${byTag ? 'breakglass' : 'root'}`, person, {
          keys: 1,
          protection: byTag ? 'tag' : 'name',
          mfa: false,
          session: true,
        }),
      );
    }
    const federatedSessionIds =
      i % 6 === 0
        ? [
            account.sessions.open(
              `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/Engineer/${email}`,
              'i-0bastion2',
            ),
          ]
        : [];
    people.push({ index: i, employeeId, email, provider, users, federatedSessionIds });
  }
  return people;
}

export interface SeededRole {
  readonly roleName: string;
  readonly protection: Protection;
  readonly sessionIds: readonly string[];
}

/** Roles a lockdown could target: one protected by tag, one by name, with an assumed-role session each. */
export async function seedProtectedRoles(account: Account, prefix: string): Promise<SeededRole[]> {
  const roles: SeededRole[] = [];
  for (const [suffix, protection] of [
    ['ops-admin', 'tag'],
    ['break-glass', 'name'],
  ] as const) {
    const roleName = `${prefix}-${suffix}`;
    await account.clients.iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
        ...(protection === 'tag' ? { Tags: [{ Key: PROTECTED_TAG_KEY, Value: 'true' }] } : {}),
      }),
    );
    await account.clients.iam.send(
      new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'allow-all', PolicyDocument: ALLOW_ALL }),
    );
    const sessionIds = [
      account.sessions.open(`arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/${roleName}/oncall`, 'i-0bastion3'),
    ];
    if (protection === 'name') account.protectedByName.push(roleName);
    account.protectedIds.add(roleName);
    account.protectedNames.add(roleName);
    for (const s of sessionIds) account.protectedIds.add(s);
    roles.push({ roleName, protection, sessionIds });
  }
  return roles;
}
