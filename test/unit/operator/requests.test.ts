import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRequestError } from '../../../src/errors';
import { parseLockdown, parseRestore } from '../../../src/operator/requests';

const ok = { reason: 'INC-42', requestedBy: 'secops@example.com' };

describe('Function: parseLockdown', () => {
  it.each([
    [{ userName: 'alice' }],
    [{ userName: 'a.b+c=d,e@f-g_h' }],
    [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }],
    [{ roleName: 'deployer' }],
    [{ employeeId: 'E-1001' }],
    [{ email: 'jane@example.com' }],
  ])('accepts the target %j', (target) => {
    expect(parseLockdown({ target, ...ok }).target).toEqual(target);
  });

  it.each([
    ['no target', { ...ok }],
    ['an empty target', { target: {}, ...ok }],
    ['two targets', { target: { userName: 'alice', roleName: 'deployer' }, ...ok }],
    ['a name outside IAM characters', { target: { userName: 'alice smith' }, ...ok }],
    ['a name over 64 characters', { target: { userName: 'a'.repeat(65) }, ...ok }],
    ['an empty name', { target: { userName: '' }, ...ok }],
    ['a malformed access key id', { target: { accessKeyId: 'akia-lower' }, ...ok }],
    ['a malformed email', { target: { email: 'not-an-email' }, ...ok }],
    ['an unknown target field', { target: { user: 'alice' }, ...ok }],
    ['an unknown top-level field', { target: { userName: 'alice' }, ...ok, force: true }],
    ['a wrong type', { target: { userName: 42 }, ...ok }],
    ['a string dryRun', { target: { userName: 'alice' }, ...ok, dryRun: 'yes' }],
    ['no reason', { target: { userName: 'alice' }, requestedBy: 'x' }],
    ['a blank requestedBy', { target: { userName: 'alice' }, reason: 'r', requestedBy: '  ' }],
    ['null', null],
    ['an array', [{ target: { userName: 'alice' } }]],
    ['a string', 'alice'],
  ])('rejects %s with InvalidRequestError', (_label, input) => {
    expect(() => parseLockdown(input)).toThrow(InvalidRequestError);
  });

  it('takes an optional 12-digit accountId, and refuses any other', () => {
    expect(parseLockdown({ target: { userName: 'alice' }, accountId: '222222222222', ...ok }).accountId).toBe(
      '222222222222',
    );
    expect(parseLockdown({ target: { userName: 'alice' }, ...ok }).accountId).toBeUndefined();
    for (const accountId of ['2222', '22222222222a', 222222222222, '']) {
      expect(() => parseLockdown({ target: { userName: 'alice' }, accountId, ...ok })).toThrow(/accountId/);
    }
    expect(parseRestore({ target: { userName: 'alice' }, accountId: '222222222222', ...ok }).accountId).toBe(
      '222222222222',
    );
    expect(() => parseRestore({ target: { userName: 'alice' }, accountId: 'x', ...ok })).toThrow(/accountId/);
  });

  it('names every problem in the message', () => {
    expect(() => parseLockdown({ target: { userName: 'bad name' }, reason: '' })).toThrow(
      /target\.userName.*reason.*requestedBy/s,
    );
  });
});

describe('Function: parseRestore', () => {
  it('accepts a user or a role', () => {
    expect(parseRestore({ target: { userName: 'alice' }, ...ok }).target).toEqual({ userName: 'alice' });
    expect(parseRestore({ target: { roleName: 'deployer' }, ...ok }).target).toEqual({
      roleName: 'deployer',
    });
  });

  it.each([
    ['an access key target', { target: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, ...ok }],
    ['a person target', { target: { email: 'jane@example.com' }, ...ok }],
    ['both a user and a role', { target: { userName: 'a', roleName: 'b' }, ...ok }],
  ])('rejects %s', (_label, input) => {
    expect(() => parseRestore(input)).toThrow(InvalidRequestError);
  });
});

describe('Sample events', () => {
  const dir = join(__dirname, '../../../events');
  const samples = (prefix: string) =>
    readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));

  it('has lockdown and restore samples', () => {
    expect(samples('lockdown-').length).toBeGreaterThanOrEqual(3);
    expect(samples('restore-').length).toBeGreaterThanOrEqual(1);
  });

  it.each(samples('lockdown-'))('%s is a valid lockdown request', (file) => {
    expect(() => parseLockdown(JSON.parse(readFileSync(join(dir, file), 'utf8')))).not.toThrow();
  });

  it.each(samples('restore-'))('%s is a valid restore request', (file) => {
    expect(() => parseRestore(JSON.parse(readFileSync(join(dir, file), 'utf8')))).not.toThrow();
  });
});
