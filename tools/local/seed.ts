import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  type IAMClient,
  PutUserPolicyCommand,
  type Tag,
} from '@aws-sdk/client-iam';
import {
  CreateTopicCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { testConfig } from '../testing/config';
import type { Moto } from './moto';

/**
 * Building blocks for a local account on moto: what the stack would create (table, topic with a queue
 * subscribed to read notifications) and principals with credentials. Used by integration tests, the demo,
 * the reliability scenarios and the benchmarks. Never bundled into a handler.
 */

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/** Clients pointed at the emulator, signed with `credentials` (default: moto's unauthenticated "testing"). */
export function motoClients(moto: Moto, credentials?: Credentials, maxAttempts = 3): Clients {
  const c = credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const region = moto.env.AWS_REGION ?? 'us-east-1';
  return makeClients({ region, endpoint: moto.endpoint, maxAttempts, credentials: c });
}

/** Creates a user with an inline allow-all policy and an access key: the operator the code runs as. */
export async function createAdmin(iam: IAMClient, userName = 'offboarding-operator'): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: userName, PolicyName: 'allow-all', PolicyDocument: ALLOW_ALL }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
}

export interface SeededUser {
  readonly userName: string;
  readonly keys: Credentials[];
}

/** Creates a user with tags, an optional allow-all policy and `keys` access keys. */
export async function createUser(
  iam: IAMClient,
  userName: string,
  options: {
    tags?: Record<string, string>;
    keys?: number;
    allowAll?: boolean;
    managedPolicyArns?: string[];
  } = {},
): Promise<SeededUser> {
  const Tags: Tag[] = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  await iam.send(new CreateUserCommand({ UserName: userName, ...(Tags.length ? { Tags } : {}) }));
  if (options.allowAll) {
    await iam.send(
      new PutUserPolicyCommand({ UserName: userName, PolicyName: 'allow-all', PolicyDocument: ALLOW_ALL }),
    );
  }
  for (const arn of options.managedPolicyArns ?? []) {
    await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn }));
  }
  const keys: Credentials[] = [];
  for (let i = 0; i < (options.keys ?? 0); i++) {
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    keys.push({
      accessKeyId: k.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: k.AccessKey?.SecretAccessKey ?? '',
    });
  }
  return { userName, keys };
}

/** The state table as serverless.yml declares it: `pk`/`sk` strings, TTL on `expiresAt`. */
export async function createStateTable(ddb: Clients['ddb'], tableName: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
}

export interface Inbox {
  readonly topicArn: string;
  readonly queueUrl: string;
}

/** A topic and a queue subscribed to it with raw delivery off, so the queue receives SNS envelopes. */
export async function createTopicWithInbox(sns: SNSClient, sqs: SQSClient, name: string): Promise<Inbox> {
  const topic = await sns.send(new CreateTopicCommand({ Name: name }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }));
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const sub = await sns.send(
    new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }),
  );
  await sns.send(
    new SetSubscriptionAttributesCommand({
      SubscriptionArn: sub.SubscriptionArn,
      AttributeName: 'RawMessageDelivery',
      AttributeValue: 'false',
    }),
  );
  return { topicArn: topic.TopicArn ?? '', queueUrl: queue.QueueUrl ?? '' };
}

/** A notification as a subscriber receives it. */
export interface ReceivedNotification {
  readonly subject?: string;
  /** The SNS envelope's Message: the `sqs` part of the JSON structure (the report). */
  readonly message: string;
  readonly attributes: Record<string, string>;
}

/** Drains the inbox queue: every notification received so far (deleting them). */
export async function drainInbox(sqs: SQSClient, queueUrl: string): Promise<ReceivedNotification[]> {
  const out: ReceivedNotification[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = r.Messages ?? [];
    if (!messages.length) return out;
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value: string }>;
      };
      out.push({
        subject: envelope.Subject,
        message: envelope.Message ?? '',
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
        ),
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

export interface LocalStack {
  readonly config: Config;
  readonly inbox: Inbox;
  /**
   * The deny group made as serverless.yml makes it (`<name>-denied`). The config names it only when asked
   * (`denyGroupName` in the overrides), as DENY_GROUP_NAME does for a deployed function: without it the engine
   * neither reads users' groups nor falls back to the group.
   */
  readonly denyGroupName: string;
}

/**
 * Creates the deny group as serverless.yml does (`<name>-denied`, path `/`, the deny policy attached): a user
 * whose managed-policy quota is full is added to it. Needs the deny policy in the emulator (moto loads AWS
 * managed policies, AWSDenyAll among them, with MOTO_IAM_LOAD_MANAGED_POLICIES: tools/local/moto.ts).
 */
export async function createDenyGroup(
  iam: IAMClient,
  groupName: string,
  denyPolicyArn: string,
): Promise<void> {
  await iam.send(new CreateGroupCommand({ GroupName: groupName, Path: '/' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: groupName, PolicyArn: denyPolicyArn }));
}

/**
 * Creates the table, the topic (with an inbox) and the deny group the stack would, and a config pointing at
 * the table and the topic (and at the group when `overrides.denyGroupName` names it).
 */
export async function createLocalStack(
  clients: Pick<Clients, 'sns' | 'sqs' | 'ddb' | 'iam'>,
  overrides: Partial<Config> = {},
  name = 'offboarding',
): Promise<LocalStack> {
  const stateTable = `${name}-state`;
  const denyGroupName = `${name}-denied`;
  await createStateTable(clients.ddb, stateTable);
  const inbox = await createTopicWithInbox(clients.sns, clients.sqs, name);
  const config = testConfig({ stateTable, notifyTopicArn: inbox.topicArn, ...overrides });
  await createDenyGroup(clients.iam, denyGroupName, config.denyPolicyArn);
  return { config, inbox, denyGroupName };
}
