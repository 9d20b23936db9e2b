import { planRoleRevocation, planUserRevocation } from '../../../src/engine/plan';
import type { RoleSnapshot, UserSnapshot } from '../../../src/engine/types';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';

function user(overrides: Partial<UserSnapshot> = {}): UserSnapshot {
  return {
    kind: 'user',
    takenAt: NOW.toISOString(),
    userName: 'alice',
    userId: 'AIDAALICE',
    arn: 'arn:aws:iam::123456789012:user/alice',
    path: '/',
    attachedPolicies: [],
    inlinePolicyNames: [],
    accessKeys: [
      { accessKeyId: 'AKIAOLD0000000000001', status: 'Active' },
      { accessKeyId: 'AKIAOLD0000000000002', status: 'Inactive' },
    ],
    loginProfile: { createDate: '2025-01-01T00:00:00.000Z' },
    mfaDevices: [{ serialNumber: 'arn:aws:iam::123456789012:mfa/alice' }],
    sshPublicKeys: [{ sshPublicKeyId: 'APKAEXAMPLE', status: 'Active' }],
    signingCertificates: [],
    serviceCredentials: [],
    tags: {},
    sessionOwners: { exact: ['arn:aws:iam::123456789012:user/alice'] },
    sessions: [],
    notes: [],
    ...overrides,
  };
}

const options = (mode: 'departure' | 'lockdown', extra = {}) => ({
  mode,
  trigger: mode,
  runId: 'run-1',
  now: NOW,
  denyPolicyArn: DENY,
  sessionRegions: ['us-east-1', 'eu-west-1'],
  ...extra,
});

describe('Function: planUserRevocation', () => {
  it('puts the deny first, then credentials, console, sessions per region and the tag last', () => {
    const plan = planUserRevocation(user(), options('departure'));
    expect(plan.map((s) => s.type)).toEqual([
      'attach-deny',
      'deactivate-access-key',
      'deactivate-access-key',
      'deactivate-ssh-key',
      'delete-login-profile',
      'deactivate-mfa',
      'terminate-sessions',
      'terminate-sessions',
      'tag-principal',
    ]);
    expect(plan.map((s) => s.id)).toEqual(plan.map((s, i) => `${String(i + 1).padStart(2, '0')}-${s.type}`));
  });

  it('marks steps the snapshot shows done as already', () => {
    const plan = planUserRevocation(
      user({ attachedPolicies: [{ policyName: 'AWSDenyAll', policyArn: DENY }] }),
      options('departure'),
    );
    expect(plan.find((s) => s.type === 'attach-deny')?.state).toBe('already');
    expect(plan.filter((s) => s.type === 'deactivate-access-key').map((s) => s.state)).toEqual([
      'todo',
      'already',
    ]);
  });

  it('treats the inline deny of an earlier version as the deny already in place', () => {
    const plan = planUserRevocation(user({ inlinePolicyNames: ['OffboardingDenyAll'] }), options('lockdown'));
    expect(plan[0]).toMatchObject({ type: 'attach-deny', state: 'already' });
  });

  it('treats membership of the deny group as the deny already in place, and names the group in the step', () => {
    const withGroup = options('lockdown', { denyGroupName: 'offboarding-prod-denied' });
    const member = planUserRevocation(user({ groupNames: ['devs', 'offboarding-prod-denied'] }), withGroup);
    expect(member[0]).toEqual({
      type: 'attach-deny',
      policyArn: DENY,
      groupName: 'offboarding-prod-denied',
      id: '01-attach-deny',
      state: 'already',
    });
    // Another group, or the deny group's name without one configured, is no deny.
    expect(planUserRevocation(user({ groupNames: ['devs'] }), withGroup)[0]?.state).toBe('todo');
    const noGroup = planUserRevocation(
      user({ groupNames: ['offboarding-prod-denied'] }),
      options('lockdown'),
    );
    expect(noGroup[0]).toEqual({ type: 'attach-deny', policyArn: DENY, id: '01-attach-deny', state: 'todo' });
  });

  it('keeps the login profile and MFA when the trigger is a lockdown', () => {
    const plan = planUserRevocation(user(), options('lockdown'));
    expect(plan.find((s) => s.type === 'delete-login-profile')).toMatchObject({ state: 'skip' });
    expect(plan.find((s) => s.type === 'deactivate-mfa')).toMatchObject({ state: 'skip' });
  });

  it('closes the console in a lockdown when the request asks', () => {
    const plan = planUserRevocation(
      user(),
      options('lockdown', { deleteLoginProfile: true, deactivateMfa: true }),
    );
    expect(plan.find((s) => s.type === 'delete-login-profile')?.state).toBe('todo');
    expect(plan.find((s) => s.type === 'deactivate-mfa')?.state).toBe('todo');
  });

  it('deletes the login profile and deactivates MFA on a departure', () => {
    const plan = planUserRevocation(user(), options('departure'));
    expect(plan.find((s) => s.type === 'delete-login-profile')?.state).toBe('todo');
    expect(plan.find((s) => s.type === 'deactivate-mfa')?.state).toBe('todo');
  });

  it('reports a missing login profile as already deleted', () => {
    const plan = planUserRevocation(user({ loginProfile: null }), options('departure'));
    expect(plan.find((s) => s.type === 'delete-login-profile')?.state).toBe('already');
  });

  it('tags with the run id, time and trigger', () => {
    const tag = planUserRevocation(user(), options('departure')).at(-1);
    expect(tag).toMatchObject({
      type: 'tag-principal',
      tags: {
        'offboarding:state': 'revoked',
        'offboarding:run': 'run-1',
        'offboarding:at': NOW.toISOString(),
        'offboarding:trigger': 'departure',
      },
    });
  });
});

describe('Function: planRoleRevocation', () => {
  const role: RoleSnapshot = {
    kind: 'role',
    takenAt: NOW.toISOString(),
    roleName: 'deployer',
    roleId: 'AROA',
    arn: 'arn:aws:iam::123456789012:role/deployer',
    path: '/',
    inlinePolicyNames: [],
    attachedPolicies: [],
    tags: {},
    sessionOwners: { prefixes: ['arn:aws:sts::123456789012:assumed-role/deployer/'] },
    sessions: [],
    notes: [],
  };

  it("dates the session deny with the run's now and scans each region for the role's sessions", () => {
    const plan = planRoleRevocation(role, options('lockdown'));
    expect(plan[0]).toMatchObject({
      type: 'put-role-session-deny',
      issuedBefore: NOW.toISOString(),
      policyName: 'OffboardingRevokeOlderSessions',
      state: 'todo',
    });
    expect(plan.filter((s) => s.type === 'terminate-sessions')).toEqual([
      expect.objectContaining({ region: 'us-east-1', owners: role.sessionOwners }),
      expect.objectContaining({ region: 'eu-west-1', owners: role.sessionOwners }),
    ]);
  });
});
