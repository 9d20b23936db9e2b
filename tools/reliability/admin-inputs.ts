import fc from 'fast-check';

/**
 * Malformed lockdown and restore invocations, generated with fast-check from a seed: a valid request with one
 * defect that makes it invalid by construction (the contract in docs/contract.md and docs/engine.md: one
 * target key, IAM name patterns, non-empty text without control characters, booleans, no unknown keys), or no
 * object at all. Every one must fail with `InvalidRequestError` before any AWS call. Never bundled into a
 * handler.
 */

export interface AdminInput {
  readonly handler: 'lockdown' | 'restore';
  readonly defect: string;
  readonly event: unknown;
}

type Json = Record<string, unknown>;

const name = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/);
const text = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .,:-]{0,40}$/);
/** Characters outside IAM's `[\w+=,.@-]`. */
const notIamChar = fc.constantFrom(' ', '/', '*', '#', ':', '\n', '\u0000', 'é', '"', "'", '$', '\\');
/** Control characters that `trim()` keeps (so they cannot vanish at an end). */
const control = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085');

const lockdownTargets = fc.oneof(
  name.map((userName) => ({ userName })),
  name.map((roleName) => ({ roleName })),
  fc.stringMatching(/^AKIA[A-Z0-9]{16}$/).map((accessKeyId) => ({ accessKeyId })),
  fc.stringMatching(/^E-[0-9]{1,8}$/).map((employeeId) => ({ employeeId })),
  fc.emailAddress().map((email) => ({ email })),
);
const restoreTargets = fc.oneof(
  name.map((userName) => ({ userName })),
  name.map((roleName) => ({ roleName })),
);

const valid = (handler: 'lockdown' | 'restore') =>
  fc.record({
    target: handler === 'lockdown' ? lockdownTargets : restoreTargets,
    reason: text,
    requestedBy: text,
  }) as fc.Arbitrary<Json>;

/** A defect applied to a valid request; each yields an invalid one whatever the valid request was. */
type Defect = (request: Json) => fc.Arbitrary<{ defect: string; event: unknown }>;

const defects = (handler: 'lockdown' | 'restore'): Defect[] => [
  () =>
    fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
      )
      .map((event) => ({ defect: 'not an object', event })),
  (r) =>
    fc.constantFrom('target', 'reason', 'requestedBy').map((key) => {
      const { [key]: _gone, ...rest } = r;
      return { defect: `no ${key}`, event: rest };
    }),
  (r) =>
    fc
      .constantFrom<Json>(
        {},
        { userName: 'alice', roleName: 'ops' },
        { userName: 'alice', email: 'a@example.com' },
      )
      .map((target) => ({
        defect: `target names ${Object.keys(target).length} principals`,
        event: { ...r, target },
      })),
  (r) =>
    fc
      .tuple(
        fc.constantFrom('userName', 'roleName'),
        fc.string({ maxLength: 20 }),
        notIamChar,
        fc.string({ maxLength: 20 }),
      )
      .map(([key, a, c, b]) => ({
        defect: `${key} with a character IAM refuses`,
        event: { ...r, target: { [key]: `${a}${c}${b}` } },
      })),
  (r) =>
    fc.tuple(fc.constantFrom('userName', 'roleName'), fc.integer({ min: 65, max: 300 })).map(([key, n]) => ({
      defect: `${key} of ${n} characters`,
      event: { ...r, target: { [key]: 'a'.repeat(n) } },
    })),
  (r) =>
    fc.tuple(fc.constantFrom('reason', 'requestedBy'), text, control, text).map(([key, a, c, b]) => ({
      defect: `${key} with a control character`,
      event: { ...r, [key]: `${a}${c}${b}` },
    })),
  (r) =>
    fc
      .tuple(fc.constantFrom('reason', 'requestedBy'), fc.constantFrom('', ' ', '\t\n '))
      .map(([key, blank]) => ({
        defect: `${key} blank`,
        event: { ...r, [key]: blank },
      })),
  (r) =>
    fc.constantFrom('reason', 'requestedBy').map((key) => ({
      defect: `${key} too long`,
      event: { ...r, [key]: 'x'.repeat(key === 'reason' ? 1025 : 257) },
    })),
  (r) =>
    fc
      .tuple(
        fc.constantFrom('reason', 'requestedBy', 'target', 'dryRun'),
        fc.oneof(
          fc.integer(),
          fc.constant('true'),
          fc.boolean(),
          fc.array(fc.string(), { minLength: 1, maxLength: 2 }),
          fc.constant(null),
        ),
      )
      // Each key's own type is left out: text for reason/requestedBy, a boolean for dryRun.
      .filter(([key, value]) =>
        key === 'dryRun' ? typeof value !== 'boolean' : key === 'target' || typeof value !== 'string',
      )
      .map(([key, value]) => ({ defect: `${key} of the wrong type`, event: { ...r, [key]: value } })),
  (r) =>
    fc
      .tuple(
        fc.constantFrom('top', 'target'),
        fc.constantFrom('__proto__', 'constructor', 'force', 'userNames', 'DryRun'),
      )
      .map(([where, key]) => {
        const extra = JSON.parse(`{${JSON.stringify(key)}:{"polluted":true}}`) as Json;
        return {
          defect: `unknown key ${key} in ${where === 'top' ? 'the request' : 'the target'}`,
          event: where === 'top' ? { ...r, ...extra } : { ...r, target: { ...(r.target as Json), ...extra } },
        };
      }),
  ...(handler === 'lockdown'
    ? [
        (r: Json) =>
          fc.stringMatching(/^[a-z][a-z0-9]{15,19}$|^AKIA[A-Z0-9]{0,11}$/).map((accessKeyId) => ({
            defect: 'accessKeyId not an access key id',
            event: { ...r, target: { accessKeyId } },
          })),
        (r: Json) =>
          fc.stringMatching(/^[a-z.]{1,20}$/).map((email) => ({
            defect: 'email without @',
            event: { ...r, target: { email } },
          })),
        (r: Json) =>
          fc.tuple(fc.string({ maxLength: 10 }), control).map(([a, c]) => ({
            defect: 'employeeId with a control character',
            event: { ...r, target: { employeeId: `E${a}${c}1` } },
          })),
      ]
    : [
        (r: Json) =>
          fc
            .constantFrom(
              { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
              { email: 'a@example.com' },
              { employeeId: 'E-1' },
            )
            .map((target) => ({
              defect: `restore target ${Object.keys(target)[0]} (users and roles only)`,
              event: { ...r, target },
            })),
      ]),
];

/** `count` malformed invocations from `seed`, lockdown and restore alternating, the defects taken in turn. */
export function adminInputs(count: number, seed: number): AdminInput[] {
  const out: AdminInput[] = [];
  for (const handler of ['lockdown', 'restore'] as const) {
    const list = defects(handler);
    const n = Math.ceil(count / 2);
    const perDefect = list.map((d, i) =>
      fc.sample(
        valid(handler).chain((r) => d(r)),
        { numRuns: Math.ceil(n / list.length), seed: seed + i },
      ),
    );
    for (let j = 0, added = 0; added < n; j++) {
      for (const s of perDefect) {
        const sample = s[j];
        if (sample && added < n) {
          out.push({ handler, ...sample });
          added++;
        }
      }
    }
  }
  return out.slice(0, count);
}
