'use strict';
/**
 * The parts of the functions' IAM statements that come from stage params: the list-valued ones (serverless
 * variables cannot loop over a comma list) and the role names, ARNs and ids that widen a grant if they are not
 * what they claim to be (a glob): the member role, the org role, the Identity Center store, instance and role. serverless.yml resolves these at packaging time with
 * `${file(./infra/iam-statements.cjs):<export>}`: osls calls the exported function with
 * `{ resolveVariable, resolveConfigurationProperty, options }` and puts what it returns in place; a value
 * refused here fails the packaging.
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
/** An IAM role name, as MEMBER_ROLE_NAME must be (src/config.ts): no path, no glob. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** One IAM role's ARN (ORG_ROLE_ARN, IDC_ROLE_ARN): a 12-digit account, a path and name without glob characters. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** An identity store id (IDENTITY_STORE_ID): `d-` and 10 hex digits. */
const IDENTITY_STORE_ID = /^d-[0-9a-f]{10}$/;
/** An IAM Identity Center instance ARN (SSO_INSTANCE_ARN), as src/config.ts accepts it: no glob character. */
const SSO_INSTANCE_ARN = /^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
/** A region name as IDC_REGION must be (src/config.ts). */
const IDC_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** An SNS topic ARN, as src/config.ts accepts CHAT_TOPIC_ARN. */
const TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

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
 * The IAM write verbs of the explicit denies (custom.iamWriteActions) without `iam:PassRole`: the departure
 * worker's Deny on its own roles and the protected principals, beside which a Deny of `iam:PassRole` to any
 * service but EventBridge Scheduler stands (it passes the stack's scheduler role to Scheduler, nothing else).
 */
async function iamWriteActionsButPassRole({ resolveVariable }) {
  const actions = await resolveVariable('self:custom.iamWriteActions');
  if (!Array.isArray(actions) || !actions.includes('iam:PassRole')) {
    throw new Error('custom.iamWriteActions must be a list holding iam:PassRole');
  }
  return actions.filter((a) => a !== 'iam:PassRole');
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

/**
 * Resource list of `sts:AssumeRole` into the member role: the role named `memberRoleName` (MEMBER_ROLE_NAME) at
 * the root path, in any account (`TARGET_ACCOUNTS=organization` reaches accounts that join later). Refuses a
 * name the functions' config would refuse (src/config.ts), a glob above all: `*` would let the functions
 * assume every role that trusts their account.
 * @example
 * await memberRoleArns(resolver); // [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/offboarding-member' }]
 */
async function memberRoleArns({ resolveVariable }) {
  const name = String((await resolveVariable('param:memberRoleName')) ?? '').trim();
  if (!ROLE_NAME.test(name)) {
    throw new Error(`memberRoleName: "${name}" is not an IAM role name (letters, digits, +=,.@_-; 1 to 64)`);
  }
  return [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/${name}` }];
}

/**
 * The `orgRoleArn` param (ORG_ROLE_ARN) as the stack's `OrgRoleArn` parameter default: empty (the functions list
 * the organization's accounts with their own credentials), or exactly one role's ARN, the only role the
 * fan-out may assume to list them. Refuses anything else at packaging, a glob above all.
 */
async function orgRoleArn({ resolveVariable }) {
  const arn = String((await resolveVariable('param:orgRoleArn')) ?? '').trim();
  if (arn !== '' && !ROLE_ARN.test(arn)) {
    throw new Error(
      `orgRoleArn: "${arn}" is neither empty nor one IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)`,
    );
  }
  return arn;
}

/**
 * The four Identity Center params, validated together: `identityStoreId` and `ssoInstanceArn` both empty
 * (Identity Center off: no identitystore or sso grant, no IDC_* settings) or both set (`d-` and 10 hex digits;
 * one instance ARN); `idcRoleArn` empty or exactly one role's ARN (no glob: it is the one role the functions may
 * assume for Identity Center); `idcRegion` empty or a region name. `idcRoleArn` and `idcRegion` without Identity
 * Center would do nothing: refused, so that a half-configured stage fails at packaging rather than silently
 * revoking no Identity Center user.
 * @returns the four values, trimmed
 */
async function identityCenterParams({ resolveVariable }) {
  const read = async (name) => String((await resolveVariable(`param:${name}`)) ?? '').trim();
  const [storeId, instanceArn, roleArn, region] = await Promise.all(
    ['identityStoreId', 'ssoInstanceArn', 'idcRoleArn', 'idcRegion'].map(read),
  );
  if (storeId !== '' && !IDENTITY_STORE_ID.test(storeId)) {
    throw new Error(
      `identityStoreId: "${storeId}" is neither empty nor an identity store id (d-<10 hex digits>)`,
    );
  }
  if (instanceArn !== '' && !SSO_INSTANCE_ARN.test(instanceArn)) {
    throw new Error(
      `ssoInstanceArn: "${instanceArn}" is neither empty nor an IAM Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16>)`,
    );
  }
  if ((storeId === '') !== (instanceArn === '')) {
    throw new Error('identityStoreId and ssoInstanceArn: set both (Identity Center) or neither');
  }
  if (roleArn !== '' && !ROLE_ARN.test(roleArn)) {
    throw new Error(
      `idcRoleArn: "${roleArn}" is neither empty nor one IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)`,
    );
  }
  if (region !== '' && !IDC_REGION.test(region)) {
    throw new Error(`idcRegion: "${region}" is neither empty nor a region name`);
  }
  if (storeId === '' && (roleArn !== '' || region !== '')) {
    throw new Error(
      'idcRoleArn and idcRegion need identityStoreId and ssoInstanceArn: Identity Center is off without them',
    );
  }
  return { storeId, instanceArn, roleArn, region };
}

/** The `identityStoreId` param (IDENTITY_STORE_ID, the stack parameter `IdentityStoreId`), validated. */
const identityStoreId = async (resolver) => (await identityCenterParams(resolver)).storeId;
/** The `ssoInstanceArn` param (SSO_INSTANCE_ARN, the stack parameter `SsoInstanceArn`), validated. */
const ssoInstanceArn = async (resolver) => (await identityCenterParams(resolver)).instanceArn;
/** The `idcRoleArn` param (IDC_ROLE_ARN, the stack parameter `IdcRoleArn`), validated. */
const idcRoleArn = async (resolver) => (await identityCenterParams(resolver)).roleArn;
/** The `idcRegion` param (IDC_REGION; empty: the function's region), validated. */
const idcRegion = async (resolver) => (await identityCenterParams(resolver)).region;

/**
 * The `chatTopicArn` param (CHAT_TOPIC_ARN): empty (no chat topic), or one SNS topic's ARN, mapped to Amazon Q
 * Developer in chat applications outside this stack. Refuses anything else at packaging, a glob above all: the
 * functions may publish on it.
 */
async function chatTopicArn({ resolveVariable }) {
  const arn = String((await resolveVariable('param:chatTopicArn')) ?? '').trim();
  if (arn !== '' && !TOPIC_ARN.test(arn)) {
    throw new Error(
      `chatTopicArn: "${arn}" is neither empty nor one SNS topic ARN (arn:aws:sns:<region>:<12 digits>:<name>)`,
    );
  }
  return arn;
}

/**
 * Resource list of `sns:Publish`: the stack's notification topic, and the chat topic when `chatTopicArn` is set
 * (nothing else: the functions publish the reports on those two topics only).
 * @example
 * await publishTopicArns(resolver); // [{ Ref: 'NotifyTopic' }, 'arn:aws:sns:eu-west-1:123456789012:offboarding-chat']
 */
async function publishTopicArns(resolver) {
  const chat = await chatTopicArn(resolver);
  return [{ Ref: 'NotifyTopic' }, ...(chat ? [chat] : [])];
}

module.exports = {
  chatTopicArn,
  publishTopicArns,
  neverWrittenPrincipals,
  iamWriteActionsButPassRole,
  sessionArns,
  memberRoleArns,
  orgRoleArn,
  identityStoreId,
  ssoInstanceArn,
  idcRoleArn,
  idcRegion,
  protectedPrincipalArns,
  commaList,
};
