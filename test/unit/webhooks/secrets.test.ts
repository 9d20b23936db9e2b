import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../src/errors';
import { SsmSecretCache, splitSecrets } from '../../../src/webhooks/secrets';

const ssm = mockClient(SSMClient);
const t0 = new Date('2026-01-31T18:42:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);
const cache = () =>
  new SsmSecretCache(new SSMClient({ region: 'us-east-1' }), '/offboarding/webhook/', 60_000);

beforeEach(() => {
  ssm.reset();
});

describe('Function: splitSecrets', () => {
  it('reads one secret per line, ignoring blank lines and surrounding spaces', () => {
    expect(splitSecrets('old\r\n\n  new  \n')).toEqual(['old', 'new']);
  });
});

describe('Class: SsmSecretCache', () => {
  it('reads the decrypted SecureString named by the prefix and the provider', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'one\ntwo' } });
    await expect(cache().secretsFor('okta', t0)).resolves.toEqual(['one', 'two']);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/offboarding/webhook/okta',
      WithDecryption: true,
    });
  });

  it('reads the parameter once within the TTL and again after it', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'one' } });
    const c = cache();
    await c.secretsFor('okta', t0);
    await c.secretsFor('okta', later(59_000));
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    await c.secretsFor('okta', later(60_001));
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('caches each provider separately', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/offboarding/webhook/okta' })
      .resolves({ Parameter: { Value: 'o' } })
      .on(GetParameterCommand, { Name: '/offboarding/webhook/hibob' })
      .resolves({ Parameter: { Value: 'h' } });
    const c = cache();
    await expect(c.secretsFor('okta', t0)).resolves.toEqual(['o']);
    await expect(c.secretsFor('hibob', t0)).resolves.toEqual(['h']);
  });

  it.each([
    [
      'missing',
      () =>
        ssm.on(GetParameterCommand).rejects(Object.assign(new Error('nf'), { name: 'ParameterNotFound' })),
    ],
    [
      'throttled',
      () =>
        ssm
          .on(GetParameterCommand)
          .rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException' })),
    ],
    ['empty', () => ssm.on(GetParameterCommand).resolves({ Parameter: { Value: ' \n ' } })],
  ])(
    'reports a %s parameter as TransientError (the sender retries) and does not cache it',
    async (_l, arrange) => {
      arrange();
      const c = cache();
      await expect(c.secretsFor('okta', t0)).rejects.toBeInstanceOf(TransientError);
      ssm.reset();
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'fixed' } });
      await expect(c.secretsFor('okta', t0)).resolves.toEqual(['fixed']);
    },
  );
});
