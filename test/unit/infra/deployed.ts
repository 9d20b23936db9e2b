import {
  type CfnResource,
  type Json,
  type JsonObject,
  obj,
  type Template,
} from '../../support/packaged-template';

/**
 * The prod stage as the infra tests package it beside the default one (test/support/packaged-template.ts
 * `packageStage`, cached per run: the files that use the same params share one packaging): entries of each kind
 * in `protectedPrincipals`, two session regions, an `orgRoleArn`, so that the stack's conditional fan-out
 * policy (resources.AssumeOrgRolePolicy) is deployed instead of the other one (resources.ListAccountsPolicy), and
 * Identity Center through an `idcRoleArn` (resources.AssumeIdcRolePolicy and the records policies, not the
 * identitystore and sso ones), and a chat topic (`chatTopicArn`: the functions may publish there too).
 */
export const PROD_SET_PARAMS = Object.freeze({
  protectedPrincipals: 'break-glass-*,ci-deployer,arn:aws:iam::123456789012:role/admin/*',
  sessionRegions: 'eu-west-1,eu-central-1',
  orgRoleArn: 'arn:aws:iam::111122223333:role/offboarding-list-accounts',
  identityStoreId: 'd-9067c2a1b3',
  ssoInstanceArn: 'arn:aws:sso:::instance/ssoins-72230b4e1a7f0c3d',
  idcRoleArn: 'arn:aws:iam::111122223333:role/offboarding-identity-center',
  idcRegion: 'eu-west-1',
  chatTopicArn: 'arn:aws:sns:us-east-1:123456789012:offboarding-chat',
});

/**
 * The prod stage with Identity Center configured and no `idcRoleArn`: the functions call identitystore and
 * sso-admin with their own roles (resources.IdcRevocationPolicy, resources.IdcRestorePolicy), `orgRoleArn`
 * empty. The defaults (`packageStage('prod')`) are the third setting: Identity Center off.
 */
export const PROD_IDC_PARAMS = Object.freeze({
  identityStoreId: PROD_SET_PARAMS.identityStoreId,
  ssoInstanceArn: PROD_SET_PARAMS.ssoInstanceArn,
});

/** A stack name for `AWS::StackName` (as `serverless deploy --stage prod` names the stack). */
const STACK_NAME = 'offboarding-prod';

/** The value of a parameter for the stack: its default (what `serverless deploy` passes). */
function parameter(t: Template, name: string): string {
  const value = t.Parameters?.[name]?.Default;
  if (typeof value !== 'string') throw new Error(`parameter ${name} has no string default`);
  return value;
}

/** A condition's value for the stack, with every parameter at its default. */
export function conditionHolds(t: Template, name: string): boolean {
  const go = (v: Json): Json => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const [fn, arg] = Object.entries(v)[0] ?? [];
    const args = arg as Json[];
    switch (fn) {
      case 'Ref':
        return arg === 'AWS::StackName' ? STACK_NAME : parameter(t, String(arg));
      case 'Fn::Equals':
        return go(args[0] ?? null) === go(args[1] ?? null);
      case 'Fn::Not':
        return !go(args[0] ?? null);
      case 'Fn::And':
        return args.every((a) => go(a) === true);
      case 'Fn::Or':
        return args.some((a) => go(a) === true);
      case 'Condition':
        return conditionHolds(t, String(arg));
      default:
        throw new Error(`unsupported ${fn} in condition ${name}`);
    }
  };
  const c = t.Conditions?.[name];
  if (c === undefined) throw new Error(`no condition ${name}`);
  const value = go(c);
  if (typeof value !== 'boolean') throw new Error(`condition ${name} is not a boolean`);
  return value;
}

/** `${Name}` of a `Fn::Sub` string replaced by `vars[Name]` or a parameter's value; pseudo parameters kept. */
const substitute = (t: Template, text: string, vars: Record<string, string>): string =>
  text.replace(/\$\{([^}!]+)\}/g, (m, name: string) =>
    name in vars ? (vars[name] ?? '') : t.Parameters?.[name] ? parameter(t, name) : m,
  );

/**
 * `v` with the stack parameters in it replaced by their values, as CloudFormation would: `{ Ref: <parameter> }`,
 * `${<parameter>}` in a `Fn::Sub` string, and the `Fn::Select`, `Fn::Split` and `Fn::Sub` variable map that
 * derive a value from a parameter (the Identity Center instance id from `SsoInstanceArn`). What is left are
 * pseudo parameters and the stack's own resources, which test/support/packaged-template.ts resolves.
 */
function withParameters(t: Template, v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => withParameters(t, x));
  const [fn, arg] = Object.entries(v)[0] ?? [];
  if (Object.keys(v).length === 1) {
    if (fn === 'Ref' && typeof arg === 'string' && t.Parameters?.[arg]) return parameter(t, arg);
    if (fn === 'Fn::Split') {
      const [sep, text] = withParameters(t, arg ?? null) as [string, Json];
      if (typeof text === 'string') return text.split(sep);
    }
    if (fn === 'Fn::Select') {
      const [index, list] = withParameters(t, arg ?? null) as [number, Json];
      if (Array.isArray(list)) {
        const picked = list[Number(index)];
        if (picked === undefined) throw new Error(`Fn::Select ${index} out of ${JSON.stringify(list)}`);
        return picked;
      }
    }
    if (fn === 'Fn::Sub' && typeof arg === 'string') return { 'Fn::Sub': substitute(t, arg, {}) };
    if (fn === 'Fn::Sub' && Array.isArray(arg)) {
      const [text, map] = arg as [string, JsonObject];
      const vars = Object.fromEntries(
        Object.entries(map).map(([k, x]) => {
          const value = withParameters(t, x);
          if (typeof value !== 'string')
            throw new Error(`Fn::Sub variable ${k} is not a value: ${JSON.stringify(x)}`);
          return [k, value];
        }),
      );
      return { 'Fn::Sub': substitute(t, text, vars) };
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withParameters(t, x)]));
}

/** The logical ids of the roles an `AWS::IAM::Policy` is attached to (each a `Ref`). */
export const policyRoles = (policy: CfnResource): string[] =>
  (policy.Properties.Roles as Json[]).map((r) => String(obj(r).Ref));

/**
 * The template's function roles as CloudFormation deploys them for the parameter defaults: each
 * `AWS::IAM::Policy` attached to a role is added to that role's `Policies` when its condition holds (and left
 * out when it does not), with the parameters it names replaced by their values. So `statementsOf` and
 * `resolvedPoliciesOf` (test/support/packaged-template.ts) read every statement a role holds, and only those.
 * Everything else is left as packaged.
 */
export function asDeployed(t: Template): Template {
  const resources: Record<string, CfnResource> = structuredClone(t.Resources);
  for (const policy of Object.values(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
    if (policy.Condition !== undefined && !conditionHolds(t, policy.Condition)) continue;
    for (const roleId of policyRoles(policy)) {
      const role = resources[roleId];
      if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role of the template`);
      const { PolicyName, PolicyDocument } = policy.Properties;
      (role.Properties.Policies as JsonObject[]).push({
        PolicyName: PolicyName ?? null,
        PolicyDocument: withParameters(t, PolicyDocument ?? null),
      });
    }
  }
  return { ...t, Resources: resources };
}
