import { addRevokedIds, MANAGED_SID, USER_ID_CONDITION_KEY } from '../../../src/identity-center';
import { type Decision, evaluate } from '../../support/iam-evaluator';

/**
 * The deny itself, proven with an IAM policy evaluator (@cloud-copilot/iam-simulate), since moto ignores every
 * `Condition`: under a permission set's merged inline policy beside an allow-all, a request of a role session
 * whose `identitystore:userId` is a revoked id is explicitly denied; another user's session is allowed. The
 * session is an Identity Center one (`AWSReservedSSO_*`), as AWS issues it for a permission set.
 */

const ACCOUNT = '111111111111';
const REVOKED = '90677c4a2d-1a2b3c4d-0e1f-4a5b-9c8d-7e6f5a4b3c2d';
const STILL_THERE = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
/** A permission set's own inline policy, before the revocation. */
const TEAM_POLICY = `{"Version":"2012-10-17","Statement":[{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::team-*/*"}]}`;

async function decide(
  policy: string,
  userId: string,
  action = 's3:GetObject',
  resource = 'arn:aws:s3:::team-data/report.csv',
): Promise<Decision> {
  return evaluate({
    request: {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0a1b2c3d4e5f6a7b/jane`,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { [USER_ID_CONDITION_KEY]: userId },
    },
    identityPolicies: [
      { name: 'allow-all', policy: ALLOW_ALL },
      { name: 'AwsSSOInlinePolicy', policy: JSON.parse(policy) },
    ],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  });
}

describe('The managed statement under an IAM policy evaluator', () => {
  const merged = addRevokedIds(addRevokedIds(TEAM_POLICY, [STILL_THERE]), [REVOKED]);

  it('carries one managed statement naming both ids', () => {
    const statements = JSON.parse(merged).Statement as { Sid: string }[];
    expect(statements.map((s) => s.Sid)).toEqual(['TeamBuckets', MANAGED_SID]);
  });

  it.each([
    { who: 'the revoked user id', userId: REVOKED, decision: 'ExplicitlyDenied' },
    { who: 'an id revoked before it', userId: STILL_THERE, decision: 'ExplicitlyDenied' },
    { who: "another user's id", userId: OTHER, decision: 'Allowed' },
  ])('decides a session carrying $who: $decision', async ({ userId, decision }) => {
    expect(await decide(merged, userId)).toBe(decision);
  });

  it('denies every action of the revoked id, not only what the other statements allow', async () => {
    const user = `arn:aws:iam::${ACCOUNT}:user/ci`;
    expect(await decide(merged, REVOKED, 'iam:CreateAccessKey', user)).toBe('ExplicitlyDenied');
    expect(await decide(merged, OTHER, 'iam:CreateAccessKey', user)).toBe('Allowed');
  });

  it('allows the same session under the policy before the revocation (the proof can fail)', async () => {
    expect(await decide(TEAM_POLICY, REVOKED)).toBe('Allowed');
  });
});
