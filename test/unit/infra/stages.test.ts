import {
  ACCOUNT,
  asArray,
  envString,
  type Json,
  packageStage,
  resolveValue,
  statementsOf,
  type Template,
} from '../../support/packaged-template';

/**
 * Repeatable deploys: the `prod` stage's settings are committed in serverless.yml (`params.prod`), so
 * `npm run deploy -- --stage prod` with no flag deploys what the documented command with flags used to deploy, and
 * a redeploy without flags keeps it. Proven by packaging the prod stage twice, with no flag and with those flags,
 * and comparing the templates. Both are packaged at once (each in its own folder); the no-flag one is the template
 * test/unit/infra/template.test.ts reads too (packaged once per run).
 */

/**
 * The flags a prod deploy needed before the settings were committed (docs/deploy.md's command): written here, not
 * read from serverless.yml, so that dropping or changing a committed setting fails the comparison.
 */
const PROD_FLAGS = Object.freeze({
  protectedPrincipals: 'break-glass-*,ci-deployer',
  sessionRegions: 'us-east-1,eu-west-1',
  dryRun: 'true',
  sweepMode: 'report',
  alertEmail: 'secops@example.com',
  alarmEmail: 'secops-oncall@example.com',
  webhookConcurrency: '10',
  lockdownConcurrency: '2',
  logRetentionDays: '365',
  ownerTag: 'secops',
});

/** The deployment folder (`<timestamp>-<ISO date>`) of the code artifacts: the one part that differs per packaging. */
const withoutDeploymentFolder = (t: Template): Json =>
  JSON.parse(JSON.stringify(t).replace(/\/\d{13}-\d{4}-\d\d-\d\dT[\d:.]+Z\//g, '/<deployment>/')) as Json;

let noFlags: Template;
let withFlags: Template;

beforeAll(async () => {
  [noFlags, withFlags] = await Promise.all([packageStage('prod'), packageStage('prod', PROD_FLAGS)]);
}, 300_000);

describe('serverless.yml: the committed prod stage (params.prod)', () => {
  it('packages the same template with no flag as with the flags it replaces', () => {
    expect(withoutDeploymentFolder(noFlags)).toEqual(withoutDeploymentFolder(withFlags));
  });

  it('carries the committed settings into the functions and the stack parameters', () => {
    expect(envString(noFlags, 'lockdown', 'PROTECTED_PRINCIPALS')).toBe(PROD_FLAGS.protectedPrincipals);
    expect(envString(noFlags, 'lockdown', 'SESSION_REGIONS')).toBe(PROD_FLAGS.sessionRegions);
    expect(envString(noFlags, 'revocationWorker', 'DRY_RUN')).toBe(PROD_FLAGS.dryRun);
    expect(envString(noFlags, 'keySweep', 'SWEEP_MODE')).toBe(PROD_FLAGS.sweepMode);
    expect(noFlags.Parameters?.AlertEmail?.Default).toBe(PROD_FLAGS.alertEmail);
    expect(noFlags.Parameters?.AlarmEmail?.Default).toBe(PROD_FLAGS.alarmEmail);
    const fn = noFlags.Resources.LockdownLambdaFunction?.Properties;
    expect(fn?.ReservedConcurrentExecutions).toBe(Number(PROD_FLAGS.lockdownConcurrency));
  });

  it('denies IAM writes on each committed protected principal, by name, as users and roles', () => {
    const deny = statementsOf(noFlags, 'lockdown').find(
      (s) => s.Sid === 'DenyWritesOnOwnRolesAndProtectedPrincipals',
    );
    const resources = asArray(deny?.Resource).map(resolveValue);
    for (const name of PROD_FLAGS.protectedPrincipals.split(',')) {
      for (const kind of ['user', 'role']) {
        expect(resources).toContain(`arn:aws:iam::${ACCOUNT}:${kind}/${name}`);
        expect(resources).toContain(`arn:aws:iam::${ACCOUNT}:${kind}/*/${name}`);
      }
    }
  });
});
