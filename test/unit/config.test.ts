import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

const required = {
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:offboarding',
  STATE_TABLE: 'offboarding-state',
  AWS_REGION: 'eu-west-1',
};

describe('Function: loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      webhookSecretPrefix: '/offboarding/webhook/',
      denyPolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll',
      personTagKeys: ['employee-id', 'email'],
      protectedPrincipals: [],
      protectedTagKey: 'offboarding:protected',
      sessionRegions: ['eu-west-1'],
      dryRun: false,
      keyMaxAgeDays: 90,
      keyMaxIdleDays: 45,
      keyWarnDays: 14,
      sweepMode: 'report',
      sweepMaxActions: 25,
      sweepMaxFraction: 0.2,
      sweepMaxDrift: 5,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses lists, booleans and numbers', () => {
    const config = loadConfig({
      ...required,
      PROTECTED_PRINCIPALS: ' break-glass , arn:aws:iam::*:user/admins/* ,',
      SESSION_REGIONS: 'us-east-1,eu-west-1',
      DRY_RUN: 'true',
      KEY_MAX_AGE_DAYS: '30',
      SWEEP_MODE: 'enforce',
      SWEEP_MAX_DRIFT: '0',
    });
    expect(config.protectedPrincipals).toEqual(['break-glass', 'arn:aws:iam::*:user/admins/*']);
    expect(config.sessionRegions).toEqual(['us-east-1', 'eu-west-1']);
    expect(config.dryRun).toBe(true);
    expect(config.keyMaxAgeDays).toBe(30);
    expect(config.sweepMode).toBe('enforce');
    expect(config.sweepMaxDrift).toBe(0);
  });

  it.each([
    ['NOTIFY_TOPIC_ARN', { STATE_TABLE: 't', AWS_REGION: 'us-east-1' }],
    ['STATE_TABLE', { NOTIFY_TOPIC_ARN: 'arn', AWS_REGION: 'us-east-1' }],
    ['STATE_TABLE', { ...required, STATE_TABLE: '   ' }],
  ])('names the missing required variable %s', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Environment variable ${name} is required`));
  });

  it('targets the own account by default, and parses the account settings', () => {
    const defaults = loadConfig(required);
    expect(defaults).toMatchObject({
      targetAccounts: { kind: 'self' },
      excludedAccounts: [],
      memberRoleName: 'offboarding-member',
    });
    expect(defaults.orgRoleArn).toBeUndefined();
    expect(defaults.accountQueueUrl).toBeUndefined();
    const org = loadConfig({
      ...required,
      TARGET_ACCOUNTS: 'organization',
      EXCLUDED_ACCOUNTS: '111111111111, 222222222222',
      MEMBER_ROLE_NAME: 'sec-offboarding',
      ORG_ROLE_ARN: 'arn:aws:iam::999999999999:role/org-reader',
      ACCOUNT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/accounts',
    });
    expect(org).toMatchObject({
      targetAccounts: { kind: 'organization' },
      excludedAccounts: ['111111111111', '222222222222'],
      memberRoleName: 'sec-offboarding',
      orgRoleArn: 'arn:aws:iam::999999999999:role/org-reader',
    });
    const list = loadConfig({
      ...required,
      TARGET_ACCOUNTS: '333333333333,111111111111,333333333333',
      ACCOUNT_QUEUE_URL: 'q',
    });
    expect(list.targetAccounts).toEqual({ kind: 'list', accountIds: ['333333333333', '111111111111'] });
  });

  it('refuses account settings it cannot act on, naming each', () => {
    // Required by the functions that fan out (they say so), unless TARGET_ACCOUNTS=self.
    expect(() => loadConfig({ ...required, TARGET_ACCOUNTS: 'organization' }, ['ACCOUNT_QUEUE_URL'])).toThrow(
      /ACCOUNT_QUEUE_URL is required unless TARGET_ACCOUNTS=self/,
    );
    expect(loadConfig({ ...required, TARGET_ACCOUNTS: 'organization' }).accountQueueUrl).toBeUndefined();
    expect(loadConfig(required, ['ACCOUNT_QUEUE_URL']).accountQueueUrl).toBeUndefined();
    expect(() => loadConfig({ ...required, TARGET_ACCOUNTS: '12345,abc', ACCOUNT_QUEUE_URL: 'q' })).toThrow(
      /TARGET_ACCOUNTS must be self, organization or a comma list of 12-digit account ids \(not: 12345, abc\)/,
    );
    expect(() => loadConfig({ ...required, EXCLUDED_ACCOUNTS: '1234' })).toThrow(/EXCLUDED_ACCOUNTS/);
    expect(() => loadConfig({ ...required, ORG_ROLE_ARN: 'org-reader' })).toThrow(
      /ORG_ROLE_ARN must be an IAM role ARN/,
    );
    expect(() => loadConfig({ ...required, MEMBER_ROLE_NAME: 'a/b' })).toThrow(/MEMBER_ROLE_NAME/);
  });

  it('names a variable a handler requires', () => {
    expect(() => loadConfig(required, ['DEPARTURE_QUEUE_URL'])).toThrow(
      'Environment variable DEPARTURE_QUEUE_URL is required',
    );
  });

  it.each([
    ['SWEEP_MODE', 'delete-everything'],
    ['DRY_RUN', 'maybe'],
    ['SWEEP_MAX_FRACTION', '2'],
    ['KEY_MAX_AGE_DAYS', 'ninety'],
    ['DENY_POLICY_ARN', 'AWSDenyAll'],
    ['SWEEP_MAX_DRIFT', '-1'],
    ['SWEEP_MAX_DRIFT', '2.5'],
    ['SWEEP_MAX_DRIFT', 'five'],
  ])('rejects an invalid %s', (name, value) => {
    expect(() => loadConfig({ ...required, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...required, [name]: value })).toThrow(new RegExp(name));
  });
});
