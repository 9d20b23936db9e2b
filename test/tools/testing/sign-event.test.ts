import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { webhookHandler } from '../../../src/webhooks/handler';
import { LOCAL_WEBHOOK_SECRETS } from '../../../tools/local/secrets';
import { testConfig } from '../../../tools/testing/config';
import { SECRETS } from '../../unit/webhooks/support';

const ROOT = join(__dirname, '../../..');
const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);

/** Runs `npm run sign-event -- ...args` (the script under tsx, as npm would), without any secret in env. */
function signEvent(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('WEBHOOK_SECRET')),
  );
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/sign-event.ts', ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeEach(() => {
  ssm.reset();
  sqs.reset();
  for (const [provider, values] of Object.entries(SECRETS)) {
    ssm
      .on(GetParameterCommand, { Name: `/offboarding/webhook/${provider}` })
      .resolves({ Parameter: { Value: values.join('\n') } });
  }
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('Script: sign-event', () => {
  const handler = webhookHandler({
    config: testConfig(),
    clients: { sqs: new SQSClient({ region: 'us-east-1' }), ssmHome: new SSMClient({ region: 'us-east-1' }) },
  });

  it.each([
    ['standard', ['--secret', SECRETS.standard[0]], {}],
    ['bamboohr', [], { WEBHOOK_SECRET: SECRETS.bamboohr[0] }],
    ['hibob', [], { WEBHOOK_SECRET_HIBOB: SECRETS.hibob[0] }],
  ])(
    'prints a %s event the webhook accepts (202)',
    async (provider, flags, env) => {
      const out = signEvent([provider, `events/hr-${provider}.json`, ...flags], env);
      expect(out.status).toBe(0);
      const event = JSON.parse(out.stdout) as APIGatewayProxyEventV2;
      const r = (await handler(event, { awsRequestId: 'r' } as Context)) as APIGatewayProxyStructuredResultV2;
      expect(r.statusCode).toBe(202);
      expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    },
    20_000,
  );

  it('prints a curl command for the provider route with --curl', () => {
    const out = signEvent([
      'okta',
      'events/hr-okta.json',
      '--secret',
      'Bearer s3cr3t',
      '--curl',
      'https://api.example.com/',
    ]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^curl /);
    expect(out.stdout).toContain("-H 'authorization: Bearer s3cr3t'");
    expect(out.stdout).toContain("'https://api.example.com/hr/okta'");
  }, 20_000);

  it("signs with the local loop's secret when none is given, says so, and only that secret verifies it", async () => {
    const out = signEvent(['hibob', 'events/hr-hibob.json']);
    expect(out.status).toBe(0);
    expect(out.stderr).toContain('signed with the local secret that `npm run local` stores');
    expect(out.stderr).toContain('--secret');
    const event = JSON.parse(out.stdout) as APIGatewayProxyEventV2;
    // The parameter holds another secret (as a deployed stack's would): refused.
    const refused = (await handler(event, {
      awsRequestId: 'r1',
    } as Context)) as APIGatewayProxyStructuredResultV2;
    expect(refused.statusCode).toBe(401);
    // The parameter holds the local loop's secret (as `npm run local` stores it): accepted.
    ssm
      .on(GetParameterCommand, { Name: '/offboarding/webhook/hibob' })
      .resolves({ Parameter: { Value: LOCAL_WEBHOOK_SECRETS.hibob } });
    const local = webhookHandler({
      config: testConfig(),
      clients: {
        sqs: new SQSClient({ region: 'us-east-1' }),
        ssmHome: new SSMClient({ region: 'us-east-1' }),
      },
    });
    const accepted = (await local(event, {
      awsRequestId: 'r2',
    } as Context)) as APIGatewayProxyStructuredResultV2;
    expect(accepted.statusCode).toBe(202);
  }, 20_000);

  it('exits non-zero with the usage when the provider is unknown', () => {
    const out = signEvent(['workday', 'events/hr-hibob.json']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('usage: npm run sign-event -- <standard|okta|bamboohr|hibob>');
    expect(out.stdout).toBe('');
  }, 20_000);
});
