/**
 * The Identity Center wiring: what a deployment without it never calls, the configuration's pair rule, and the
 * clients built for a run with IDC_ROLE_ARN (the role assumed, the session named after the run).
 * aws-sdk-client-mock replaces `send` on every IdentitystoreClient and SSOAdminClient (whoever builds them), so
 * a call from anywhere in the code under test is counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, Handler, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { accountAccess } from '../../../src/accounts/access';
import { type Clients, makeClients } from '../../../src/clients';
import { type Config, loadConfig } from '../../../src/config';
import { departureWorker } from '../../../src/departures/worker';
import { ConfigError } from '../../../src/errors';
import { identityCenterConfigured, identityCenterDeps } from '../../../src/identity-center';
import { testConfig } from '../../../tools/testing/config';
import { MemoryPersistence } from '../departures/memory-persistence';

/**
 * The AWS mocks, on the SDK classes `load` gives: the test file's own, or those of the isolated module registry
 * a handler module is loaded in (a fresh registry has its own SDK classes, which the file's mocks do not see).
 */
function mockAws(load: NodeRequire) {
  const m = {
    identitystore: mockClient(
      load('@aws-sdk/client-identitystore').IdentitystoreClient as typeof IdentitystoreClient,
    ),
    ssoAdmin: mockClient(load('@aws-sdk/client-sso-admin').SSOAdminClient as typeof SSOAdminClient),
    iam: mockClient(load('@aws-sdk/client-iam').IAMClient as typeof IAMClient),
    sns: mockClient(load('@aws-sdk/client-sns').SNSClient as typeof SNSClient),
    ddb: mockClient(load('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient as typeof DynamoDBDocumentClient),
    sts: mockClient(load('@aws-sdk/client-sts').STSClient as typeof STSClient),
  };
  const c = {
    ...load('@aws-sdk/client-iam'),
    ...load('@aws-sdk/client-sns'),
    ...load('@aws-sdk/client-dynamodb'),
    ...load('@aws-sdk/client-sts'),
    ...load('@aws-sdk/client-identitystore'),
  } as Record<string, unknown>;
  m.iam
    .on(c.GetAccountAuthorizationDetailsCommand as never)
    .resolves({ UserDetailList: [], IsTruncated: false });
  m.sns.on(c.PublishCommand as never).resolves({ MessageId: 'n-1' });
  m.ddb.on(c.PutItemCommand as never).resolves({});
  m.ddb.on(c.UpdateItemCommand as never).resolves({});
  m.sts.on(c.GetCallerIdentityCommand as never).resolves({
    Account: '123456789012',
    Arn: 'arn:aws:sts::123456789012:assumed-role/revocation-worker/x',
  });
  m.sts.on(c.AssumeRoleCommand as never).callsFake(async (input: { RoleSessionName?: string }) => ({
    Credentials: {
      AccessKeyId: `ASIA-${input.RoleSessionName}`,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3600_000),
    },
  }));
  m.identitystore
    .on(c.GetUserIdCommand as never)
    .rejects(Object.assign(new Error('no such user'), { name: 'ResourceNotFoundException' }));
  return {
    ...m,
    /** Every IdentitystoreClient / SSOAdminClient call, whoever made it. */
    idcCalls: () => [...m.identitystore.calls(), ...m.ssoAdmin.calls()],
    /** The JSON report of the first notification published. */
    firstReport: () =>
      JSON.parse(
        JSON.parse((m.sns.calls()[0]?.args[0].input as { Message?: string } | undefined)?.Message ?? '{}')
          .sqs ?? '{}',
      ),
    restore: () => {
      for (const x of Object.values(m)) x.restore();
    },
  };
}

const STORE = 'd-1234567890';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const ROLE = 'arn:aws:iam::999999999999:role/offboarding-idc';
const RUN = 'standard:msg_2bXk1o9Xc2EsampleDeparture1';
const ctx = {
  functionName: 'revocation-worker',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const sample = () =>
  JSON.parse(readFileSync(join(__dirname, '../../../events/departure-sqs.json'), 'utf8')) as SQSEvent;
const required = {
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:offboarding',
  STATE_TABLE: 'offboarding-state',
  AWS_REGION: 'us-east-1',
};
const saved = { ...process.env };

/**
 * handlers/revocation-worker.ts, loaded afresh under `env` (its configuration is read at cold start), with the
 * AWS mocks of its own module registry.
 */
function revocationWorkerHandler(env: Record<string, string>) {
  process.env = { ...saved, ...required, ...env };
  let loaded: { handler: Handler; aws: ReturnType<typeof mockAws> } | undefined;
  jest.isolateModules(() => {
    const aws = mockAws(require);
    loaded = { handler: require('../../../handlers/revocation-worker').handler, aws };
  });
  const { handler, aws } = loaded as NonNullable<typeof loaded>;
  isolated.push(aws);
  return { handler, aws };
}
const isolated: ReturnType<typeof mockAws>[] = [];

/** The AssumeRole requests STS received. */
const assumed = (m: ReturnType<typeof mockAws>) =>
  m.sts
    .calls()
    .map((c) => c.args[0].input as { RoleArn?: string; RoleSessionName?: string })
    .filter((i) => i.RoleArn)
    .map(({ RoleArn, RoleSessionName }) => ({ RoleArn, RoleSessionName }));

/** The test file's own mocks (the code the tests import directly uses these SDK classes). */
let aws: ReturnType<typeof mockAws>;

beforeEach(() => {
  aws = mockAws(require);
});

afterEach(() => {
  aws.restore();
  for (const a of isolated.splice(0)) a.restore();
});

afterAll(() => {
  process.env = saved;
});

describe('Identity Center unconfigured (IDENTITY_STORE_ID and SSO_INSTANCE_ARN empty)', () => {
  it('a departure through handlers/revocation-worker makes no identitystore or sso-admin call at all', async () => {
    const { handler, aws: fn } = revocationWorkerHandler({
      IDENTITY_STORE_ID: '',
      SSO_INSTANCE_ARN: '',
      IDC_ROLE_ARN: ROLE,
    });

    const r = await handler(sample(), ctx, () => undefined);

    expect(r).toEqual({ batchItemFailures: [] });
    // The departure ran (IAM read, its report published)...
    expect(fn.iam.calls().map((c) => c.args[0].constructor.name)).toContain(
      'GetAccountAuthorizationDetailsCommand',
    );
    expect(fn.sns.calls()).toHaveLength(1);
    expect(fn.firstReport()).toMatchObject({ kind: 'revocation', runId: RUN, outcome: 'not-found' });
    // ...and nothing reached Identity Center, nor STS for IDC_ROLE_ARN.
    expect(fn.idcCalls()).toHaveLength(0);
    expect(fn.sts.calls()).toHaveLength(0);
    expect(fn.firstReport()).not.toHaveProperty('identityCenter');
  });

  it('the same departure, configured, does call Identity Center (the mocks see the clients the handler builds)', async () => {
    const { handler, aws: fn } = revocationWorkerHandler({
      IDENTITY_STORE_ID: STORE,
      SSO_INSTANCE_ARN: INSTANCE,
    });

    expect(await handler(sample(), ctx, () => undefined)).toEqual({ batchItemFailures: [] });

    expect(fn.identitystore.calls()[0]?.args[0].input).toMatchObject({ IdentityStoreId: STORE });
    expect(fn.firstReport()).toMatchObject({
      runId: RUN,
      identityCenter: { runId: RUN, outcome: 'not-found' },
    });
  });

  it('identityCenterDeps returns undefined without building a client or assuming a role, even with IDC_ROLE_ARN set', async () => {
    const config = loadConfig({ ...required, IDC_ROLE_ARN: ROLE });
    const factory = jest.fn<ReturnType<Clients['identityCenter']>, Parameters<Clients['identityCenter']>>();
    const clients = { ...makeClients({ region: 'us-east-1' }), identityCenter: factory };
    const access = accountAccess({ config, clients });

    expect(identityCenterConfigured(config)).toBe(false);
    await expect(identityCenterDeps(config, clients, access, RUN, new Date())).resolves.toBeUndefined();
    expect(factory).not.toHaveBeenCalled();
    expect(aws.sts.calls()).toHaveLength(0);

    // The departure worker wired as the handler wires it: no client built, no call, over a whole departure.
    const worker = departureWorker({
      config,
      clients,
      persistenceStore: new MemoryPersistence(),
      identityCenter: (runId, now) => identityCenterDeps(config, clients, access, runId, now),
    });
    expect(await worker.process(sample(), ctx)).toEqual({ batchItemFailures: [] });
    expect(aws.sns.calls()).toHaveLength(1);
    expect(factory).not.toHaveBeenCalled();
    expect(aws.idcCalls()).toHaveLength(0);
    expect(aws.sts.calls()).toHaveLength(0);
  });
});

describe('Configuration: IDENTITY_STORE_ID and SSO_INSTANCE_ARN, both or neither', () => {
  it.each([
    ['IDENTITY_STORE_ID alone', { IDENTITY_STORE_ID: STORE }],
    ['SSO_INSTANCE_ARN alone', { SSO_INSTANCE_ARN: INSTANCE }],
    [
      'SSO_INSTANCE_ARN with an empty IDENTITY_STORE_ID',
      { IDENTITY_STORE_ID: ' ', SSO_INSTANCE_ARN: INSTANCE },
    ],
  ])('refuses %s, naming both', (_, env) => {
    let error: unknown;
    try {
      loadConfig({ ...required, ...env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('IDENTITY_STORE_ID');
    expect((error as Error).message).toContain('SSO_INSTANCE_ARN');
  });

  it('accepts both, or neither', () => {
    expect(loadConfig({ ...required, IDENTITY_STORE_ID: STORE, SSO_INSTANCE_ARN: INSTANCE })).toMatchObject({
      identityStoreId: STORE,
      ssoInstanceArn: INSTANCE,
      idcRoleArn: undefined,
      idcRegion: 'us-east-1',
    });
    expect(loadConfig(required)).toMatchObject({ identityStoreId: undefined, ssoInstanceArn: undefined });
  });
});

describe('IDC_ROLE_ARN: the Identity Center clients signed by the role assumed for the run', () => {
  const configured = (env: Record<string, string> = {}): Config =>
    loadConfig({
      ...required,
      IDENTITY_STORE_ID: STORE,
      SSO_INSTANCE_ARN: INSTANCE,
      IDC_ROLE_ARN: ROLE,
      IDC_REGION: 'eu-west-1',
      ...env,
    });

  it('assumes IDC_ROLE_ARN with the run id as session name and builds both clients with those credentials in IDC_REGION', async () => {
    const config = configured();
    const clients = makeClients({ region: config.region });
    const access = accountAccess({ config, clients });

    const deps = await identityCenterDeps(config, clients, access, RUN, new Date());

    expect(assumed(aws)).toEqual([
      // The run id in the characters STS accepts (`:` becomes `-`).
      { RoleArn: ROLE, RoleSessionName: 'standard-msg_2bXk1o9Xc2EsampleDeparture1' },
    ]);
    for (const client of [deps?.identitystore, deps?.ssoAdmin]) {
      expect(await client?.config.region()).toBe('eu-west-1');
      expect(await client?.config.credentials()).toMatchObject({
        accessKeyId: 'ASIA-standard-msg_2bXk1o9Xc2EsampleDeparture1',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
    }
    expect(deps).toMatchObject({
      identityStoreId: STORE,
      instanceArn: INSTANCE,
      stateTable: 'offboarding-state',
    });

    // Another run: another session, named after it.
    await identityCenterDeps(config, clients, access, 'okta:7f1c', new Date());
    expect(assumed(aws).map((a) => a.RoleSessionName)).toEqual([
      'standard-msg_2bXk1o9Xc2EsampleDeparture1',
      'okta-7f1c',
    ]);
  });

  it('a departure through handlers/revocation-worker signs its Identity Center calls with the session of its run', async () => {
    const { handler, aws: fn } = revocationWorkerHandler({
      IDENTITY_STORE_ID: STORE,
      SSO_INSTANCE_ARN: INSTANCE,
      IDC_ROLE_ARN: ROLE,
      IDC_REGION: 'eu-west-1',
    });

    expect(await handler(sample(), ctx, () => undefined)).toEqual({ batchItemFailures: [] });

    expect(assumed(fn)).toEqual([
      { RoleArn: ROLE, RoleSessionName: 'standard-msg_2bXk1o9Xc2EsampleDeparture1' },
    ]);
    const [call] = fn.identitystore.calls();
    expect(call).toBeDefined();
    const client = call?.thisValue as IdentitystoreClient;
    expect(await client.config.credentials()).toMatchObject({
      accessKeyId: 'ASIA-standard-msg_2bXk1o9Xc2EsampleDeparture1',
    });
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('without IDC_ROLE_ARN, uses the function credentials (no AssumeRole) in the function region', async () => {
    const config = configured({ IDC_ROLE_ARN: '', IDC_REGION: '' });
    const factory = jest.fn(makeClients({ region: config.region }).identityCenter);
    const clients = { ...makeClients({ region: config.region }), identityCenter: factory };

    await identityCenterDeps(config, clients, accountAccess({ config, clients }), RUN, new Date());

    expect(factory).toHaveBeenCalledWith('us-east-1', undefined);
    expect(aws.sts.calls()).toHaveLength(0);
  });

  it('refuses IDC_ROLE_ARN in a function that cannot assume roles (no account access)', async () => {
    const config = testConfig({
      identityStoreId: STORE,
      ssoInstanceArn: INSTANCE,
      idcRoleArn: ROLE,
    });
    const factory = jest.fn(makeClients({ region: 'us-east-1' }).identityCenter);
    const clients = { ...makeClients({ region: 'us-east-1' }), identityCenter: factory };

    await expect(identityCenterDeps(config, clients, undefined, RUN, new Date())).rejects.toThrow(
      ConfigError,
    );
    expect(factory).not.toHaveBeenCalled();
  });
});
