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
