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
 * The demo's small company on the emulator: what the stack would create (state table, topic with a queue
 * subscribed, departure queue with its DLQ, webhook secrets) and the people, users, keys and role the flows
 * act on. Created with moto's unauthenticated credentials, before IAM enforcement is switched on.
 */

export const STACK_NAME = 'offboarding';
export const OPERATOR = 'offboarding-operator';
export const WEBHOOK_SECRET_PREFIX = '/offboarding/webhook/';
export const PROVIDERS = ['standard', 'okta', 'bamboohr', 'hibob'] as const;

/** Jane leaves (flow 1): two IAM users, console password, MFA, SSH key, two live sessions. */
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
  readonly operator: Credentials;
  readonly users: readonly DemoUser[];
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

async function createDepartureQueues(sqs: SQSClient): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${STACK_NAME}-departures-dlq` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${STACK_NAME}-departures`,
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
  const { queueUrl, dlqUrl } = await createDepartureQueues(sqs);
  const stack = await createLocalStack(setup, {}, STACK_NAME);
  const secrets = await putSecrets(setup.ssmHome);

  const janeTags = { 'employee-id': JANE.employeeId, email: JANE.email };
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

  return {
    stateTable: stack.config.stateTable,
    inbox: stack.inbox,
    departureQueueUrl: queueUrl,
    departureDlqUrl: dlqUrl,
    operator,
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

/** The seeded user `userName` (throws when the seed changed and it is gone: a bug in the demo). */
export function userOf(company: Company, userName: string): DemoUser {
  const user = company.users.find((u) => u.userName === userName);
  if (!user) throw new Error(`demo seed has no user ${userName}`);
  return user;
}

/** The `index`-th key of a seeded user. */
export function keyOf(company: Company, userName: string, index = 0): DemoKey {
  const k = userOf(company, userName).keys[index];
  if (!k) throw new Error(`demo seed has no key ${index} for ${userName}`);
  return k;
}
