import { testConfig } from '../../../src/config';
import type { CredentialReport } from '../../../src/sweep/credential-report';
import { findDrift } from '../../../src/sweep/drift';
import type { InventoryUser } from '../../../src/sweep/inventory';

const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const config = testConfig();

function user(name: string, extra: Partial<InventoryUser> = {}): InventoryUser {
  return {
    userName: name,
    userId: `AIDA${name}`,
    arn: `arn:aws:iam::123456789012:user/${name}`,
    path: '/',
    tags: { 'offboarding:state': 'revoked' },
    attachedPolicyArns: [DENY],
    inlinePolicyNames: [],
    ...extra,
  };
}
const inventory = (...users: InventoryUser[]) => new Map(users.map((u) => [u.userName, u]));
const off = { active: false, createdAt: undefined, lastUsedAt: null };
const on = { active: true, createdAt: new Date('2026-11-28T00:00:00Z'), lastUsedAt: null };
const report = (...rows: [string, boolean, boolean][]): CredentialReport => ({
  generatedAt: undefined,
  rootHasActiveKey: false,
  users: rows.map(([userName, k1, k2]) => ({ userName, arn: '', keys: [k1 ? on : off, k2 ? on : off] })),
});

describe('Function: findDrift', () => {
  it('finds nothing for a revoked user with no Active key and the deny attached', () => {
    expect(findDrift(inventory(user('gone')), report(['gone', false, false]), config).entries).toEqual([]);
  });

  it('counts the inline fallback deny as the deny in place', () => {
    const u = user('gone', { attachedPolicyArns: [], inlinePolicyNames: ['OffboardingDenyAll'] });
    expect(findDrift(inventory(u), report(['gone', false, false]), config).entries).toEqual([]);
  });

  it('names every finding: Active keys and the missing deny', () => {
    const u = user('gone', {
      attachedPolicyArns: [],
      tags: { 'offboarding:state': 'revoked', email: 'g@example.com' },
    });
    expect(findDrift(inventory(u), report(['gone', true, true]), config).entries).toEqual([
      {
        user: 'gone',
        arn: 'arn:aws:iam::123456789012:user/gone',
        owner: { email: 'g@example.com' },
        findings: ['2 Active access keys', `deny policy ${DENY} not attached`],
        action: 'failed',
      },
    ]);
  });

  it('ignores users who are not tagged revoked, or were restored', () => {
    const restored = user('back', { tags: { 'offboarding:state': 'restored' }, attachedPolicyArns: [] });
    const plain = user('plain', { tags: {}, attachedPolicyArns: [] });
    expect(
      findDrift(inventory(restored, plain), report(['back', true, false], ['plain', true, false]), config)
        .entries,
    ).toEqual([]);
  });

  it('marks a protected revoked user protected, never to be re-revoked', () => {
    const u = user('gone', { tags: { 'offboarding:state': 'revoked', 'offboarding:protected': 'true' } });
    expect(findDrift(inventory(u), report(['gone', true, false]), config).entries[0]).toMatchObject({
      action: 'protected',
      detail: 'protected: tagged offboarding:protected=true',
    });
  });

  it('checks the deny of a revoked user missing from the report, and says the keys were not checked', () => {
    const u = user('late', { attachedPolicyArns: [] });
    const r = findDrift(inventory(u), report(), config);
    expect(r.entries.map((e) => e.findings)).toEqual([[`deny policy ${DENY} not attached`]]);
    expect(r.notes).toEqual([
      'late is tagged revoked but not in the credential report: keys not checked this run',
    ]);
  });
});
