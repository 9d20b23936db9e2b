import { addRevokedIds, type IdcSnapshot } from '../../../src/identity-center';
import { changedSteps, planIdcRestore, planIdcRevocation } from '../../../src/identity-center/plan';
import type { IdcRevocationRecord } from '../../../src/identity-center/schema';
import { INSTANCE, psArn, STORE } from './fake-identity-center';

const USER = {
  userId: 'a0000000-0000-4000-8000-000000000001',
  userName: 'jane',
  emails: [],
  externalIds: [],
};
const ADMIN = psArn('admin');
const READ = psArn('read');

const snapshot = (overrides: Partial<IdcSnapshot> = {}): IdcSnapshot => ({
  kind: 'idc-user',
  takenAt: '2026-11-30T12:00:00.000Z',
  identityStoreId: STORE,
  instanceArn: INSTANCE,
  user: USER,
  assignments: [{ accountId: '111111111111', permissionSetArn: ADMIN }],
  memberships: [{ membershipId: 'm1', groupId: 'g1' }],
  groupAssignments: [{ groupId: 'g1', assignments: [{ accountId: '222222222222', permissionSetArn: READ }] }],
  permissionSets: [
    { permissionSetArn: ADMIN, inlinePolicy: null, accounts: ['111111111111'] },
    { permissionSetArn: READ, inlinePolicy: addRevokedIds(null, [USER.userId]), accounts: [] },
  ],
  notes: [],
  ...overrides,
});

const record = (runId: string, at: string, snap = snapshot()): IdcRevocationRecord => ({
  kind: 'idc-revocation',
  runId,
  trigger: 'lockdown',
  mode: 'lockdown',
  at,
  user: { userId: USER.userId, userName: USER.userName },
  requestedBy: 's',
  reason: 'r',
  snapshot: snap,
  plan: planIdcRevocation(snap),
  status: 'started',
});

describe('Function: planIdcRevocation', () => {
  it('plans the deny in every usable set, its provisioning, then the removals, numbered in order', () => {
    expect(planIdcRevocation(snapshot()).map((s) => [s.id, s.state])).toEqual([
      ['01-deny-permission-set', 'todo'],
      ['02-deny-permission-set', 'already'],
      ['03-provision-permission-set', 'todo'],
      ['04-provision-permission-set', 'skip'],
      ['05-delete-account-assignment', 'todo'],
      ['06-delete-group-membership', 'todo'],
    ]);
  });

  it('plans nothing for a user with no assignment and no membership', () => {
    expect(
      planIdcRevocation(
        snapshot({ assignments: [], memberships: [], groupAssignments: [], permissionSets: [] }),
      ),
    ).toEqual([]);
  });

  it('plans the deny as to do when the inline policy is not JSON (the step then says why it cannot)', () => {
    const broken = snapshot({
      permissionSets: [{ permissionSetArn: ADMIN, inlinePolicy: '{oops', accounts: [] }],
    });
    expect(planIdcRevocation(broken)[0]).toMatchObject({ type: 'deny-permission-set', state: 'todo' });
  });
});

describe('Function: planIdcRestore', () => {
  it('undoes every planned change of a run that never recorded its results', () => {
    const run = record('r1', '2026-11-30T12:00:00.000Z');
    expect(changedSteps(run).map((s) => s.type)).toEqual([
      'deny-permission-set',
      'provision-permission-set',
      'delete-account-assignment',
      'delete-group-membership',
    ]);
    const plan = planIdcRestore(run, [], { assignments: [], memberships: [] });
    expect(plan.steps.map((s) => [s.type, s.state])).toEqual([
      ['create-account-assignment', 'todo'],
      ['create-group-membership', 'todo'],
      ['lift-deny-permission-set', 'todo'],
      ['lift-deny-permission-set', 'todo'],
      ['provision-permission-set', 'todo'],
      ['provision-permission-set', 'todo'],
    ]);
    expect(plan).toMatchObject({ keptInForce: [], heldBack: 0 });
  });

  it('undoes only what the results mark done, and lifts a deny found in place (the run held it too)', () => {
    const run = {
      ...record('r1', '2026-11-30T12:00:00.000Z'),
      results: planIdcRevocation(snapshot()).map((s) => ({
        id: s.id,
        type: s.type,
        subject: '',
        outcome:
          s.type === 'delete-group-membership'
            ? ('failed' as const)
            : s.state === 'already'
              ? ('already' as const)
              : ('done' as const),
      })),
    };
    const plan = planIdcRestore(run, [], { assignments: [], memberships: [] });
    expect(plan.steps.map((s) => s.type)).not.toContain('create-group-membership');
    expect(
      plan.steps
        .filter((s) => s.type === 'lift-deny-permission-set')
        .map((s) => 'permissionSetArn' in s && s.permissionSetArn),
    ).toEqual([ADMIN, READ]);
  });
});
