import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Every AWS client the project uses, built in one place. Functions in `src/` take `Pick<Clients, ...>`
 * so what they touch shows in their signatures; tests pass mocks or emulator-backed clients.
 *
 * Retries: SDK v3 `standard` mode (full-jitter exponential backoff, honours throttling errors) with
 * `maxAttempts` 5 for IAM, SSM, SNS and DynamoDB (revocation must not give up on one `Throttling`), 3 for
 * SQS in the webhook path, where the sender's own retry (on our 503) is the better second chance. Every
 * attempt is bounded: 5 s to connect, 30 s for the answer (GetCredentialReport of a large account included).
 */
export interface Clients {
  readonly iam: IAMClient;
  /** SSM client for a region (Session Manager is regional). */
  ssm(region: string): SSMClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Document client over DynamoDB, for the state table. */
  readonly ddb: DynamoDBDocumentClient;
  /** SSM client of the function's own region (webhook secrets). */
  readonly ssmHome: SSMClient;
}

export interface ClientOptions {
  region: string;
  /** Override the endpoint of every client (local emulator); the SDK also honours `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  maxAttempts?: number;
  /** Static credentials (local emulator, tests); the default provider chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export type ClientOverrides = Partial<Omit<Clients, 'ssm'>> & { ssm?: (region: string) => SSMClient };

/**
 * Builds the clients once (per cold start).
 * @example
 * const clients = makeClients({ region: config.region });
 * const testClients = makeClients({ region: 'us-east-1' }, { iam: new IAMClient({ endpoint: moto.endpoint }) });
 */
export function makeClients(options: ClientOptions, overrides: ClientOverrides = {}): Clients {
  const base = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    // A hung connection fails the attempt (and is retried) instead of holding the function to its timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  } as const;
  const ssmByRegion = new Map<string, SSMClient>();
  const ssm =
    overrides.ssm ??
    ((region: string) => {
      let client = ssmByRegion.get(region);
      if (!client) {
        client = new SSMClient({ ...base, region });
        ssmByRegion.set(region, client);
      }
      return client;
    });
  const ddb =
    overrides.ddb ??
    DynamoDBDocumentClient.from(new DynamoDBClient(base), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  return {
    iam: overrides.iam ?? new IAMClient(base),
    ssm,
    sns: overrides.sns ?? new SNSClient(base),
    sqs: overrides.sqs ?? new SQSClient({ ...base, maxAttempts: options.maxAttempts ?? 3 }),
    ddb,
    ssmHome: overrides.ssmHome ?? ssm(options.region),
  };
}
