import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { STSClient } from '@aws-sdk/client-sts';
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
  /** STS: the function's own account id, and the member role assumed in each other target account. */
  readonly sts: STSClient;
  /** Organizations with the function's own credentials (listing the accounts when `ORG_ROLE_ARN` is empty). */
  readonly organizations: OrganizationsClient;
  /** EventBridge Scheduler: the one-time schedules of departures effective ahead (the departure worker). */
  readonly scheduler: SchedulerClient;
  /**
   * The clients that act in another account, signed with credentials assumed there (same endpoint, retries
   * and timeouts as the function's own).
   */
  withCredentials(credentials: TemporaryCredentials): ScopedClients;
  /**
   * The Identity Center clients (identitystore, sso-admin) in the instance's region, with the function's own
   * credentials or those of `IDC_ROLE_ARN`. Built on demand: a deployment without Identity Center builds none.
   */
  identityCenter(region: string, credentials?: TemporaryCredentials): IdentityCenterClients;
  /**
   * CloudTrail in a region, with the function's own credentials or those assumed in a target account (the
   * follow-up's LookupEvents). One attempt per call: the follow-up paces its calls and retries throttling itself
   * (src/follow-up/lookup.ts), so every attempt passes its rate limiter.
   */
  cloudtrail(region: string, credentials?: TemporaryCredentials): CloudTrailClient;
}

/** The clients of IAM Identity Center. */
export interface IdentityCenterClients {
  readonly identitystore: IdentitystoreClient;
  readonly ssoAdmin: SSOAdminClient;
}

/** What acts inside one target account: IAM, SSM per region, Organizations (listing accounts). */
export type ScopedClients = Pick<Clients, 'iam' | 'ssm' | 'organizations'>;

/** Credentials from `sts:AssumeRole`. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration?: Date;
}

export interface ClientOptions {
  region: string;
  /** Override the endpoint of every client (local emulator); the SDK also honours `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  maxAttempts?: number;
  /** Static credentials (local emulator, tests); the default provider chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export type ClientOverrides = Partial<
  Omit<Clients, 'ssm' | 'withCredentials' | 'identityCenter' | 'cloudtrail'>
> & {
  cloudtrail?: (region: string, credentials?: TemporaryCredentials) => CloudTrailClient;
  ssm?: (region: string) => SSMClient;
  withCredentials?: (credentials: TemporaryCredentials) => ScopedClients;
  identityCenter?: (region: string, credentials?: TemporaryCredentials) => IdentityCenterClients;
};

type BaseOptions = ReturnType<typeof baseOptions>;

function baseOptions(options: ClientOptions) {
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    // A hung connection fails the attempt (and is retried) instead of holding the function to its timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  } as const;
}

/** SSM clients per region, each built once. */
function ssmPerRegion(base: BaseOptions): (region: string) => SSMClient {
  const byRegion = new Map<string, SSMClient>();
  return (region: string) => {
    let client = byRegion.get(region);
    if (!client) {
      client = new SSMClient({ ...base, region });
      byRegion.set(region, client);
    }
    return client;
  };
}

/** The clients of one other account: the function's client options with that account's credentials. */
function scopedClients(base: BaseOptions, credentials: TemporaryCredentials): ScopedClients {
  const scoped = { ...base, credentials };
  return {
    iam: new IAMClient(scoped),
    ssm: ssmPerRegion(scoped),
    organizations: new OrganizationsClient(scoped),
  };
}

/**
 * Builds the clients once (per cold start).
 * @example
 * const clients = makeClients({ region: config.region });
 * const testClients = makeClients({ region: 'us-east-1' }, { iam: new IAMClient({ endpoint: moto.endpoint }) });
 */
export function makeClients(options: ClientOptions, overrides: ClientOverrides = {}): Clients {
  const base = baseOptions(options);
  const ssm = overrides.ssm ?? ssmPerRegion(base);
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
    sts: overrides.sts ?? new STSClient(base),
    organizations: overrides.organizations ?? new OrganizationsClient(base),
    scheduler: overrides.scheduler ?? new SchedulerClient(base),
    withCredentials: overrides.withCredentials ?? ((credentials) => scopedClients(base, credentials)),
    identityCenter:
      overrides.identityCenter ??
      ((region, credentials) => {
        const options = { ...base, region, ...(credentials ? { credentials } : {}) };
        return { identitystore: new IdentitystoreClient(options), ssoAdmin: new SSOAdminClient(options) };
      }),
    cloudtrail:
      overrides.cloudtrail ??
      ((region, credentials) =>
        new CloudTrailClient({ ...base, region, maxAttempts: 1, ...(credentials ? { credentials } : {}) })),
  };
}
