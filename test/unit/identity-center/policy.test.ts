import fc from 'fast-check';
import { InlinePolicyError, MANAGED_SID, managedStatement } from '../../../src/identity-center';
import {
  addRevokedIds,
  isEmptyPolicy,
  removeRevokedIds,
  revokedIdsIn,
  samePolicy,
} from '../../../src/identity-center/policy';

const A = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const B = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
/** Two statements written by hand, each with its own spacing: their bytes must survive every edit. */
const FIRST = `{ "Sid": "TeamBuckets",  "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::team-*/*" }`;
const SECOND = `{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`;
const POLICY = `{\n  "Version": "2012-10-17",\n  "Statement": [\n    ${FIRST},\n\t${SECOND}\n  ]\n}\n`;

describe('Function: addRevokedIds', () => {
  it('creates the policy with only the managed statement when the set has none', () => {
    expect(JSON.parse(addRevokedIds(null, [A]))).toEqual({
      Version: '2012-10-17',
      Statement: [managedStatement([A])],
    });
    expect(JSON.parse(addRevokedIds('', [A])).Statement).toHaveLength(1);
  });

  it('appends the managed statement and keeps every other statement byte for byte', () => {
    const merged = addRevokedIds(POLICY, [A]);
    expect(merged).toContain(FIRST);
    expect(merged).toContain(SECOND);
    // Everything before the insertion point and everything after it are the original's bytes.
    const at = POLICY.indexOf(SECOND) + SECOND.length;
    expect(merged.slice(0, at)).toBe(POLICY.slice(0, at));
    expect(merged.slice(merged.length - (POLICY.length - at))).toBe(POLICY.slice(at));
    expect(JSON.parse(merged).Statement[2]).toEqual(managedStatement([A]));
  });

  it('adds an id to the one managed statement, never a second statement, and keeps the order of ids', () => {
    const twice = addRevokedIds(addRevokedIds(POLICY, [A]), [B]);
    const statements = JSON.parse(twice).Statement as { Sid?: string }[];
    expect(statements.filter((s) => s.Sid === MANAGED_SID)).toHaveLength(1);
    expect(revokedIdsIn(twice)).toEqual([A, B]);
    expect(twice).toContain(FIRST);
  });

  it('returns the text unchanged when every id is already denied', () => {
    const merged = addRevokedIds(POLICY, [A, B]);
    expect(addRevokedIds(merged, [B, A])).toBe(merged);
  });

  it('turns a single statement object into a list keeping its bytes', () => {
    const single = `{"Version":"2012-10-17","Statement":${SECOND}}`;
    const merged = addRevokedIds(single, [A]);
    expect(merged).toBe(
      `{"Version":"2012-10-17","Statement":[${SECOND},${JSON.stringify(managedStatement([A]))}]}`,
    );
  });

  it('adds a Statement to a document that has none', () => {
    expect(JSON.parse(addRevokedIds('{"Version":"2012-10-17"}', [A])).Statement).toEqual([
      managedStatement([A]),
    ]);
  });

  it('reads a managed statement whose condition names one id as a string', () => {
    const one = `{"Statement":[{"Sid":"${MANAGED_SID}","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"identitystore:userId":"${A}"}}}]}`;
    expect(revokedIdsIn(one)).toEqual([A]);
    expect(revokedIdsIn(addRevokedIds(one, [B]))).toEqual([A, B]);
  });

  it.each([
    ['not json'],
    ['{"Statement": [}'],
    ['["a list"]'],
    ['{"Statement": "text"}'],
    ['{/* comment */ "Statement": []}'],
  ])('refuses a policy that is not a JSON policy document: %s', (text) => {
    expect(() => addRevokedIds(text, [A])).toThrow(InlinePolicyError);
  });
});

describe('Function: removeRevokedIds', () => {
  it('is the exact inverse of adding: the original bytes come back', () => {
    expect(removeRevokedIds(addRevokedIds(POLICY, [A]), [A])).toBe(POLICY);
  });

  it('removes one id and keeps the others, other statements untouched', () => {
    const left = removeRevokedIds(addRevokedIds(POLICY, [A, B]), [A]) as string;
    expect(revokedIdsIn(left)).toEqual([B]);
    expect(left).toContain(FIRST);
    expect(left).toContain(SECOND);
  });

  it('removes a managed statement that comes first without touching the next one', () => {
    const first = `{"Statement":[${JSON.stringify(managedStatement([A]))},\n  ${SECOND}]}`;
    expect(removeRevokedIds(first, [A])).toBe(`{"Statement":[${SECOND}]}`);
  });

  it('leaves an empty policy when the managed statement was all it held', () => {
    const left = removeRevokedIds(addRevokedIds(null, [A]), [A]);
    expect(isEmptyPolicy(left)).toBe(true);
    expect(isEmptyPolicy(POLICY)).toBe(false);
  });

  it('returns the text unchanged when none of the ids is there', () => {
    expect(removeRevokedIds(POLICY, [A])).toBe(POLICY);
    expect(removeRevokedIds(null, [A])).toBeNull();
  });
});

describe('Function: samePolicy', () => {
  it('compares what policies say, not their bytes', () => {
    expect(samePolicy(POLICY, JSON.stringify(JSON.parse(POLICY)))).toBe(true);
    expect(samePolicy(POLICY, addRevokedIds(POLICY, [A]))).toBe(false);
    expect(samePolicy(null, '')).toBe(true);
    expect(samePolicy(null, POLICY)).toBe(false);
  });
});

describe('Property: the managed statement never changes another statement', () => {
  const statement = fc.record({
    Sid: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: fc.constantFrom('s3:*', 'ec2:Describe*', '*'),
    Resource: fc.constant('*'),
  });
  const spacing = fc.constantFrom('', ' ', '\n    ', '\t', '\r\n  ');
  const ids = fc.uniqueArray(fc.uuid({ version: 4 }), { minLength: 1, maxLength: 5 });

  it('keeps each statement text verbatim, and restores the exact bytes once every id is removed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(statement, spacing), { minLength: 0, maxLength: 4 }),
        spacing,
        ids,
        (items, end, added) => {
          const texts = items.map(
            ([s, pad]) => `${pad}${JSON.stringify(s, null, pad.includes('\n') ? 2 : 0)}`,
          );
          const policy = `{"Version":"2012-10-17","Statement":[${texts.join(',')}${end}]}`;
          const merged = added.reduce((p, id) => addRevokedIds(p, [id]), policy);
          for (const t of texts) expect(merged).toContain(t.trim());
          expect(revokedIdsIn(merged)).toEqual(added);
          expect(removeRevokedIds(merged, added)).toBe(policy);
        },
      ),
    );
  });
});
