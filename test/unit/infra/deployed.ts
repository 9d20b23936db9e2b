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
 * in `protectedPrincipals`, two session regions, and an `orgRoleArn`, so that the stack's conditional fan-out
 * policy (resources.AssumeOrgRolePolicy) is deployed instead of the other one (resources.ListAccountsPolicy).
 */
export const PROD_SET_PARAMS = Object.freeze({
  protectedPrincipals: 'break-glass-*,ci-deployer,arn:aws:iam::123456789012:role/admin/*',
  sessionRegions: 'eu-west-1,eu-central-1',
  orgRoleArn: 'arn:aws:iam::111122223333:role/offboarding-list-accounts',
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

/** `{ Ref: <parameter> }` replaced by the parameter's value, everywhere in `v`. */
function withParameters(t: Template, v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => withParameters(t, x));
  const ref = v.Ref;
  if (Object.keys(v).length === 1 && typeof ref === 'string' && t.Parameters?.[ref]) return parameter(t, ref);
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
