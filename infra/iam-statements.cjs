'use strict';
/**
 * The parts of the functions' IAM statements that come from list-valued stage params. Serverless variables
 * cannot loop over a comma list, so serverless.yml resolves these at packaging time with
 * `${file(./infra/iam-statements.cjs):<export>}`: osls calls the exported function with
 * `{ resolveVariable, resolveConfigurationProperty, options }` and puts what it returns in place.
 *
 * Never bundled in a handler (src/ and handlers/ may not import infra/). Tested by
 * test/unit/infra/iam-statements.test.ts (rendering) and test/unit/infra/iam-simulate.test.ts (evaluation).
 */

/** A comma list as the functions' config reads it (src/config.ts): split on commas, trimmed, empties dropped. */
function commaList(value) {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** IAM user and role name characters, plus the glob characters `*` and `?` that PROTECTED_PRINCIPALS allows. */
const NAME_GLOB = /^[A-Za-z0-9+=,.@_*?-]{1,128}$/;
/** An ARN glob entry: used as is. No whitespace; no `${`, which CloudFormation would read as a substitution. */
const ARN_GLOB = /^arn:[^\s]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The ARNs a PROTECTED_PRINCIPALS entry stands for. A name (or name glob) is the user and the role of that
 * name, at the root path and under any path (`user/*\/<name>`: the code compares names whatever the path); an
 * entry starting with `arn:` is an ARN glob, used as is.
 * @example
 * protectedPrincipalArns('ci-deployer');
 * // [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/ci-deployer' }, ...user/*\/ci-deployer,
 * //  ...role/ci-deployer, ...role/*\/ci-deployer]
 */
function protectedPrincipalArns(entry) {
  if (entry.startsWith('arn:')) {
    if (!ARN_GLOB.test(entry) || entry.includes('${')) {
      throw new Error(`protectedPrincipals: "${entry}" is not an ARN glob`);
    }
    return [entry];
  }
  if (!NAME_GLOB.test(entry)) {
    throw new Error(
      `protectedPrincipals: "${entry}" is neither an IAM user/role name (glob) nor an ARN glob (arn:...)`,
    );
  }
  return ['user', 'role'].flatMap((kind) =>
    [`${kind}/${entry}`, `${kind}/*/${entry}`].map((resource) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${resource}`,
    })),
  );
}

/**
 * Resource list of the Deny of IAM writes on principals never touched by name: the project's own roles
 * (`PROJECT_ROLE_PREFIX*`) and every PROTECTED_PRINCIPALS entry. One statement, always present (the own
 * roles): an empty `protectedPrincipals` adds nothing to it.
 */
async function neverWrittenPrincipals({ resolveVariable }) {
  const prefix = await resolveVariable('self:provider.environment.PROJECT_ROLE_PREFIX');
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9+=,.@_-]+$/.test(prefix)) {
    throw new Error(`PROJECT_ROLE_PREFIX must be a plain role name prefix, got ${JSON.stringify(prefix)}`);
  }
  const entries = commaList(await resolveVariable('param:protectedPrincipals'));
  return [
    { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${prefix}*` },
    ...entries.flatMap(protectedPrincipalArns),
  ];
}

/**
 * Resource list of `ssm:TerminateSession`: the sessions of each region in `sessionRegions`, or of the
 * stack's region when it is empty (as SESSION_REGIONS defaults to the function's region).
 */
async function sessionArns({ resolveVariable }) {
  const regions = commaList(await resolveVariable('param:sessionRegions'));
  for (const region of regions) {
    if (!REGION.test(region)) throw new Error(`sessionRegions: "${region}" is not a region name`);
  }
  return (regions.length ? regions : [`\${AWS::Region}`]).map((region) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:ssm:${region}:\${AWS::AccountId}:session/*`,
  }));
}

module.exports = { neverWrittenPrincipals, sessionArns, protectedPrincipalArns, commaList };
