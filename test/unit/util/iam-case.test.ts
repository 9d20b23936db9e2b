import { protectionReason } from '../../../src/engine/protection';
import { userMatchesPerson } from '../../../src/engine/resolve';
import { parseExemption } from '../../../src/sweep/classify';
import { parseCredentialReport } from '../../../src/sweep/credential-report';
import { globMatch } from '../../../src/util/glob';
import { tagsWithKeys, tagValue } from '../../../src/util/iam-case';
import { testConfig } from '../../../tools/testing/config';

const config = testConfig({ protectedPrincipals: ['break-glass-*'] });
const user = (name: string, tags: Record<string, string> = {}) => ({
  kind: 'user' as const,
  name,
  arn: `arn:aws:iam::123456789012:user/${name}`,
  path: '/',
  tags,
});

describe("IAM's case rules", () => {
  it('reads a tag value whatever the case of its key, and keeps values exact', () => {
    expect(tagValue({ 'Employee-Id': 'E-1' }, 'employee-id')).toBe('E-1');
    expect(tagValue({ email: 'A@x.com' }, 'EMAIL')).toBe('A@x.com');
    expect(tagValue({ email: 'a' }, 'e-mail')).toBeUndefined();
    expect(tagsWithKeys({ Email: 'a@x.com', Team: 'x' }, ['email'])).toEqual({ Email: 'a@x.com' });
  });

  it.each([
    ['Email', 'jane@example.com', { email: 'Jane@Example.com' }],
    ['Employee-Id', 'E-42', { employeeId: 'E-42' }],
    ['EMPLOYEE-ID', 'E-42', { employeeId: 'E-42' }],
  ])('matches a person by a tag key spelled %s', (key, value, person) => {
    expect(userMatchesPerson({ [key]: value }, person, ['employee-id', 'email'])).toBe(true);
  });

  it('does not match an employee id of another case (values are exact)', () => {
    expect(userMatchesPerson({ 'employee-id': 'e-42' }, { employeeId: 'E-42' }, ['employee-id'])).toBe(false);
  });

  it.each([
    ['Offboarding:Protected', 'true'],
    ['OFFBOARDING:PROTECTED', 'TRUE'],
  ])('protects a principal tagged %s=%s', (key, value) => {
    expect(protectionReason(user('alice', { [key]: value }), config)).toMatch(/tagged/);
  });

  it('protects Break-Glass-Admin with the glob break-glass-*, and the glob matcher ignores case', () => {
    expect(protectionReason(user('Break-Glass-Admin'), config)).toMatch(/PROTECTED_PRINCIPALS/);
    expect(globMatch('break-glass-*', 'BREAK-GLASS-2')).toBe(true);
    expect(protectionReason(user('alice'), config)).toBeUndefined();
  });

  it('reads an exemption whatever the case of its tag keys', () => {
    const now = new Date('2026-11-29T00:00:00Z');
    expect(
      parseExemption(
        { 'Offboarding:Exempt-Until': '2026-12-31', 'OFFBOARDING:EXEMPT-REASON': 'vendor' },
        now,
      ),
    ).toEqual({ status: 'active', until: '2026-12-31', reason: 'vendor' });
  });

  it('reads credential report booleans without case (TRUE)', () => {
    const header =
      'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date';
    const csv = `${header}\nalice,arn:aws:iam::123456789012:user/alice,TRUE,2026-01-01T00:00:00+00:00,N/A,FALSE,N/A,N/A\n<root_account>,arn,True,N/A,N/A,false,N/A,N/A`;
    const report = parseCredentialReport(csv);
    expect(report.users[0]?.keys.map((k) => k.active)).toEqual([true, false]);
    expect(report.rootHasActiveKey).toBe(true);
  });
});
