import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListUsersCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createMemberRole, memberAccountClients } from '../local/accounts';
import { MOTO_ACCOUNT_ID, type Moto } from '../local/moto';
import {
  type Credentials,
  createAdmin,
  createLocalStack,
  createUser,
  type Inbox,
  motoClients,
} from '../local/seed';
import type { SimulatedSessions } from './sessions';

/**
 * The demo's small company on the emulator, in two accounts: what the stack would create in its own account
 * (state table, topic with a queue subscribed, departure and account queues with their DLQs, webhook
 * secrets), the member role in the second account, and the people, users, keys and role the flows act on.
 * Created with moto's unauthenticated credentials, before IAM enforcement is switched on.
 */

export const STACK_NAME = 'offboarding';
export const OPERATOR = 'offboarding-operator';
export const WEBHOOK_SECRET_PREFIX = '/offboarding/webhook/';
export const PROVIDERS = ['standard', 'okta', 'bamboohr', 'hibob'] as const;

/**
 * Jane leaves (flow 1): two IAM users in the stack's own account (console password, MFA, SSH key, two live
 * sessions), and one in the member account (a key, a live session).
 */
export const JANE = {
  name: 'Jane Doe',
  employeeId: 'E-1042',
  email: 'jane.doe@example.com',
  users: ['jane.doe', 'jane.doe-admin'],
} as const;
/**
 * Sam stays. He created a second key and switched to it, but left his first one Active: the sweep (flow 2)
 * deactivates the first and warns about the second. The emulator stamps keys with the real time, so the
 * two are created at least this far apart and the sweep's clock is set between their 90th birthdays.
 */
export const SAM_KEY_GAP_MS = 2500;
/** Sam stays; his first key is the one the sweep finds too old (flow 2). */
export const SAM = { name: 'Sam Lee', employeeId: 'E-2001', email: 'sam.lee@example.com', user: 'sam.lee' };
/** A service user with a sweep exemption; its key is the one leaked in the incident (flow 3). */
export const SERVICE_USER = 'ci-deploy';
/** Tagged `offboarding:protected=true`: nothing may touch it. */
export const BREAK_GLASS = 'break-glass';
export const ROLE = 'deployer';
/** The stack's own account (moto's default): the handlers run here, with the operator's key. */
export const HOME_ACCOUNT = MOTO_ACCOUNT_ID;
/** A second account of the company, reached through its member role. */
export const MEMBER_ACCOUNT = '210987654321';
/** The role the stack assumes in every other target account (`MEMBER_ROLE_NAME`). */
export const MEMBER_ROLE = 'offboarding-member';
/** Jane's user in the member account. */
export const JANE_MEMBER_USER = 'jane.doe';
/** An instance of the member account Jane has a session on. */
export const MEMBER_HOST = 'i-0c3d5e7f9a1b2c3d4';
export const BASTION = 'i-0a1b2c3d4e5f6a7b8';
export const DB_HOST = 'i-0f9e8d7c6b5a49382';

export interface DemoKey extends Credentials {
  readonly userName: string;
}

export interface DemoUser {
  readonly userName: string;
  /** Who it belongs to, in a few words. */
  readonly who: string;
  readonly keys: readonly DemoKey[];
  readonly extras: readonly string[];
}

export interface Company {
  readonly stateTable: string;
  readonly inbox: Inbox;
  readonly departureQueueUrl: string;
  readonly departureDlqUrl: string;
  /** The per-account work queue (`ACCOUNT_QUEUE_URL`) and its DLQ. */
  readonly accountQueueUrl: string;
  readonly accountDlqUrl: string;
  readonly operator: Credentials;
  /** The users of the stack's own account ({@link HOME_ACCOUNT}). */
  readonly users: readonly DemoUser[];
  /** The second account: its id, its member role, its users. */
  readonly member: {
    readonly accountId: string;
    readonly roleArn: string;
    readonly users: readonly DemoUser[];
  };
  /** Secrets per provider as stored in SSM (for signing the demo's own webhook). */
  readonly secrets: Readonly<Record<(typeof PROVIDERS)[number], string>>;
  readonly mfaSerial: string;
}

/** An OpenSSH `ssh-ed25519` public key line, freshly generated. */
function sshPublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

function key(userName: string, c: Credentials): DemoKey {
  return { userName, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}

/** A queue with its DLQ, as serverless.yml declares the departure and account queues. */
async function createQueueWithDlq(
  sqs: SQSClient,
  name: string,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl ?? '', dlqUrl: dlq.QueueUrl ?? '' };
}

async function putSecrets(ssm: SSMClient): Promise<Company['secrets']> {
  const secrets = {
    standard: `whsec_${randomBytes(24).toString('base64')}`,
    okta: randomBytes(24).toString('hex'),
    bamboohr: randomBytes(24).toString('hex'),
    hibob: randomBytes(24).toString('hex'),
  };
  for (const provider of PROVIDERS) {
    await ssm.send(
      new PutParameterCommand({
        Name: `${WEBHOOK_SECRET_PREFIX}${provider}`,
        Type: 'SecureString',
        Value: secrets[provider],
        Overwrite: true,
      }),
    );
  }
  return secrets;
}

/** Seeds the company on a fresh emulator (IAM enforcement still off) and opens the simulated SSM sessions. */
export async function seedCompany(moto: Moto, sessions: SimulatedSessions, now: Date): Promise<Company> {
  const setup = motoClients(moto);
  const { iam, sqs } = setup;
  const operator = await createAdmin(iam, OPERATOR);
  // Sam's first key comes first of all, his second last (see SAM_KEY_GAP_MS).
  const sam = await createUser(iam, SAM.user, {
    tags: { 'employee-id': SAM.employeeId, email: SAM.email },
    keys: 1,
    allowAll: true,
  });
  const samFirstAt = Date.now();
  const janeTags = { 'employee-id': JANE.employeeId, email: JANE.email };
  // The member account is seeded alongside (its own state in the emulator): Jane's user there (same tags: the
  // same person), and the role the stack assumes.
  const memberIam = memberAccountClients(moto, MEMBER_ACCOUNT).iam;
  const memberSeed = Promise.all([
    createUser(memberIam, JANE_MEMBER_USER, { tags: janeTags, keys: 1, allowAll: true }),
    createMemberRole(memberIam, MEMBER_ROLE, HOME_ACCOUNT),
  ]);
  // Awaited below; if the home account's seed fails first, that error is the one reported.
  memberSeed.catch(() => undefined);
  const [{ queueUrl, dlqUrl }, accountQueue] = await Promise.all([
    createQueueWithDlq(sqs, `${STACK_NAME}-departures`),
    createQueueWithDlq(sqs, `${STACK_NAME}-accounts`),
  ]);
  const stack = await createLocalStack(setup, {}, STACK_NAME);
  const secrets = await putSecrets(setup.ssmHome);

  const jane = await createUser(iam, 'jane.doe', { tags: janeTags, keys: 2, allowAll: true });
  await iam.send(
    new CreateLoginProfileCommand({
      UserName: 'jane.doe',
      Password: `Demo-${randomBytes(9).toString('hex')}!`,
    }),
  );
  const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'jane.doe' }));
  const mfaSerial = mfa.VirtualMFADevice?.SerialNumber ?? '';
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'jane.doe',
      SerialNumber: mfaSerial,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
  await iam.send(
    new UploadSSHPublicKeyCommand({ UserName: 'jane.doe', SSHPublicKeyBody: sshPublicKey('jane@laptop') }),
  );
  const janeAdmin = await createUser(iam, 'jane.doe-admin', { tags: janeTags, keys: 1, allowAll: true });

  const exemptUntil = new Date(now.getTime() + 365 * 86_400_000).toISOString().slice(0, 10);
  const ci = await createUser(iam, SERVICE_USER, {
    tags: {
      team: 'platform',
      'offboarding:exempt-until': exemptUntil,
      'offboarding:exempt-reason': 'CI pipeline migration (PLAT-311)',
    },
    keys: 1,
    allowAll: true,
  });
  const breakGlass = await createUser(iam, BREAK_GLASS, {
    tags: { 'offboarding:protected': 'true' },
    keys: 1,
    allowAll: true,
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: ROLE,
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
    }),
  );

  const [janeMember, memberRoleArn] = await memberSeed;
  const wait = SAM_KEY_GAP_MS - (Date.now() - samFirstAt);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: SAM.user }));
  const samSecond = {
    accessKeyId: created.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
  };
  // Sam uses his second key (IAM records its last use); the first one was never used.
  await motoClients(moto, samSecond).iam.send(new ListUsersCommand({ MaxItems: 1 }));

  const arn = (user: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/${user}`;
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  sessions.open(arn('jane.doe'), BASTION, minutesAgo(42));
  sessions.open(
    `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/${ROLE}/${JANE.email}`,
    DB_HOST,
    minutesAgo(17),
  );
  sessions.open(arn(SAM.user), BASTION, minutesAgo(5));
  sessions.open(`arn:aws:iam::${MEMBER_ACCOUNT}:user/${JANE_MEMBER_USER}`, MEMBER_HOST, minutesAgo(9));

  return {
    stateTable: stack.config.stateTable,
    inbox: stack.inbox,
    departureQueueUrl: queueUrl,
    departureDlqUrl: dlqUrl,
    accountQueueUrl: accountQueue.queueUrl,
    accountDlqUrl: accountQueue.dlqUrl,
    operator,
    member: {
      accountId: MEMBER_ACCOUNT,
      roleArn: memberRoleArn,
      users: [
        {
          userName: JANE_MEMBER_USER,
          who: `${JANE.name} (${JANE.employeeId})`,
          keys: janeMember.keys.map((k) => key(JANE_MEMBER_USER, k)),
          extras: [],
        },
      ],
    },
    secrets,
    mfaSerial,
    users: [
      {
        userName: OPERATOR,
        who: 'the operator the demo runs as (the stack role)',
        keys: [key(OPERATOR, operator)],
        extras: ['protected by PROTECTED_PRINCIPALS'],
      },
      {
        userName: 'jane.doe',
        who: `${JANE.name} (${JANE.employeeId})`,
        keys: jane.keys.map((k) => key('jane.doe', k)),
        extras: ['console password', 'virtual MFA', 'SSH public key'],
      },
      {
        userName: 'jane.doe-admin',
        who: `${JANE.name} (${JANE.employeeId})`,
        keys: janeAdmin.keys.map((k) => key('jane.doe-admin', k)),
        extras: [],
      },
      {
        userName: SAM.user,
        who: `${SAM.name} (${SAM.employeeId})`,
        keys: [...sam.keys, samSecond].map((k) => key(SAM.user, k)),
        extras: ['first key never used, second key created later and in use'],
      },
      {
        userName: SERVICE_USER,
        who: 'service user (CI)',
        keys: ci.keys.map((k) => key(SERVICE_USER, k)),
        extras: [`sweep exemption until ${exemptUntil}`],
      },
      {
        userName: BREAK_GLASS,
        who: 'emergency access',
        keys: breakGlass.keys.map((k) => key(BREAK_GLASS, k)),
        extras: ['tagged offboarding:protected=true'],
      },
    ],
  };
}

/** The users seeded in `accountId`. */
export const usersIn = (company: Company, accountId: string): readonly DemoUser[] =>
  accountId === company.member.accountId ? company.member.users : company.users;

/**
 * The seeded user `userName` of `accountId` (default the stack's own account). Throws when the seed changed
 * and it is gone: a bug in the demo.
 */
export function userOf(company: Company, userName: string, accountId = HOME_ACCOUNT): DemoUser {
  const user = usersIn(company, accountId).find((u) => u.userName === userName);
  if (!user) throw new Error(`demo seed has no user ${userName} in ${accountId}`);
  return user;
}

/** The `index`-th key of a seeded user (of `accountId`, default the stack's own account). */
export function keyOf(company: Company, userName: string, index = 0, accountId = HOME_ACCOUNT): DemoKey {
  const k = userOf(company, userName, accountId).keys[index];
  if (!k) throw new Error(`demo seed has no key ${index} for ${userName} in ${accountId}`);
  return k;
}
