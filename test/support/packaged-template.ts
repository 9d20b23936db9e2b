import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FunctionName } from '../../infra/permissions';

/**
 * Packages serverless.yml with the project's own script (scripts/package.mjs: serverless package offline,
 * then cfn-lint) and reads the CloudFormation template it produced: what CloudFormation deploys, so the roles
 * read here are the roles the functions get, including what the plugins add. Shared by
 * test/unit/infra/template.test.ts and test/unit/infra/iam-simulate.test.ts.
 */

export const repo = resolve(__dirname, '../..');
/** The account and region the template is read for (scripts/package.mjs packages for us-east-1). */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: Json;
  readonly Resource?: Json;
  readonly NotResource?: Json;
  readonly Condition?: Record<string, Record<string, Json>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Properties: JsonObject;
}

export interface Template {
  readonly Parameters?: Record<string, JsonObject>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources: Record<string, CfnResource>;
}

export const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
export const obj = (v: Json | undefined): JsonObject => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`not an object: ${String(v)}`);
  return v;
};

const globToRegExp = (pattern: string, flags: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    flags,
  );

/** IAM's action matching: case-insensitive, `*` and `?` wildcards. */
export const actionMatches = (pattern: string, action: string): boolean =>
  globToRegExp(pattern, 'i').test(action);

/** ARN matching (case-sensitive, `*` and `?` wildcards). */
export const arnMatches = (pattern: string, arn: string): boolean => globToRegExp(pattern, '').test(arn);

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
};

type OwnResolver = (id: string, attr?: string) => string;

function resolveWith(v: Json, own: OwnResolver | undefined): string {
  if (typeof v === 'string') return v;
  const o = obj(v);
  if (typeof o['Fn::Sub'] === 'string') {
    return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      const value = PSEUDO[name];
      if (value === undefined) throw new Error(`unexpected \${${name}} in ${o['Fn::Sub']}`);
      return value;
    });
  }
  if (typeof o.Ref === 'string') return PSEUDO[o.Ref] ?? (own ? own(o.Ref) : `ref:${o.Ref}`);
  if (Array.isArray(o['Fn::GetAtt'])) {
    const [id, attr] = o['Fn::GetAtt'] as [string, string];
    return own ? own(id, attr) : `getatt:${id}.${attr}`;
  }
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, parts] = o['Fn::Join'] as [string, Json[]];
    return parts.map((p) => resolveWith(p, own)).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(v)}`);
}

/**
 * A value as text: pseudo parameters (partition `aws`, ACCOUNT, REGION) substituted in `Fn::Sub` and
 * `Fn::Join`; the stack's own resources as `ref:<id>` and `getatt:<id>.<attr>`.
 */
export const resolveValue = (v: Json): string => resolveWith(v, undefined);

function run(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', rej);
    child.on('close', (code) =>
      code === 0 ? res(output) : rej(new Error(`${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

/**
 * Packages a stage (serverless package + cfn-lint) into its own folder under `.tmp`, reads the template,
 * removes the folder. `params` become `--param key=value`.
 */
/** Inputs of a packaged template: packaging again with the same ones gives the same template. */
async function templateKey(stage: string, params: Readonly<Record<string, string>>): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ stage, params }));
  for (const file of [
    'serverless.yml',
    'infra/iam-statements.cjs',
    'infra/alarms.cjs',
    'scripts/package.mjs',
    'package-lock.json',
  ]) {
    hash.update(await readFile(join(repo, file)).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function packageOnce(
  stage: string,
  params: Readonly<Record<string, string>>,
  target: string,
): Promise<void> {
  const out = join('.tmp', `template-${process.pid}-${stage}-${randomUUID().slice(0, 8)}`);
  const extra = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
  try {
    await run([
      'scripts/package.mjs',
      '--stage',
      stage,
      '--out',
      out,
      ...(extra.length ? ['--', ...extra] : []),
    ]);
    const partial = `${target}.${process.pid}.part`;
    await copyFile(join(repo, out, 'cloudformation-template-update-stack.json'), partial);
    await rename(partial, target);
  } finally {
    await rm(join(repo, out), { recursive: true, force: true });
  }
}

/**
 * The packaged template of a stage with its params, packaged (and cfn-linted) once for all the test files of
 * a run: each test file that needs the same template reads the one the first packaged, keyed by the stage,
 * the params and the files that decide the template. A test file packaging it meanwhile is waited for.
 */
export async function packageStage(
  stage: string,
  params: Readonly<Record<string, string>> = {},
): Promise<Template> {
  const dir = join(repo, '.tmp', 'templates');
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${await templateKey(stage, params)}.json`);
  const lock = `${target}.lock`;
  const read = async () => JSON.parse(await readFile(target, 'utf8')) as Template;
  try {
    return await read();
  } catch {}
  try {
    await mkdir(lock);
  } catch {
    // Another test file is packaging the same template: wait for it (bounded), then package if it failed.
    for (let waited = 0; waited < 240_000; waited += 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        return await read();
      } catch {}
      const held = await stat(lock).catch(() => undefined);
      // Gone (its packaging failed), or left by a test process that died: package it here.
      if (!held || Date.now() - held.mtimeMs > 300_000) break;
    }
  }
  try {
    await packageOnce(stage, params, target);
    return await read();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export const logicalId = (fn: FunctionName) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`;

export const fnResource = (t: Template, fn: FunctionName): CfnResource => {
  const r = t.Resources[logicalId(fn)];
  if (!r) throw new Error(`no ${logicalId(fn)} in the template`);
  return r;
};

export const roleIdOf = (t: Template, fn: FunctionName): string => {
  const role = obj(fnResource(t, fn).Properties.Role);
  const [id] = role['Fn::GetAtt'] as string[];
  return id ?? '';
};

export function statementsOfRole(t: Template, roleId: string): Statement[] {
  const role = t.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  return asArray(role.Properties.Policies as Json[]).flatMap(
    (p) => obj(obj(p).PolicyDocument).Statement as unknown as Statement[],
  );
}

export const statementsOf = (t: Template, fn: FunctionName) => statementsOfRole(t, roleIdOf(t, fn));

export const envOf = (t: Template, fn: FunctionName): JsonObject =>
  obj(obj(fnResource(t, fn).Properties.Environment).Variables);

export const envString = (t: Template, fn: FunctionName, key: string): string => {
  const v = envOf(t, fn)[key];
  if (typeof v !== 'string') throw new Error(`${fn} ${key} is not a string: ${JSON.stringify(v)}`);
  return v;
};

/** The concrete ARN (or name) of one of the stack's own resources, as CloudFormation would resolve it. */
export function ownResourceArn(t: Template, id: string, attr?: string): string {
  const r = t.Resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  const p = r.Properties;
  switch (`${r.Type}${attr ? `.${attr}` : ''}`) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${String(p.TopicName)}`;
    case 'AWS::DynamoDB::Table.Arn':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${String(p.TableName)}`;
    case 'AWS::SQS::Queue.Arn':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${String(p.QueueName)}`;
    // A key's id is known once created: the logical id stands in for it.
    case 'AWS::KMS::Key.Arn':
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::IAM::Role.Arn':
      return `arn:aws:iam::${ACCOUNT}:role/${resolveValue(p.RoleName ?? null)}`;
    default:
      throw new Error(`cannot resolve ${attr ? `Fn::GetAtt ${id}.${attr}` : `Ref ${id}`} (${r.Type})`);
  }
}

/** A role's inline policy documents with every intrinsic function resolved: what IAM would evaluate. */
export function resolvedPoliciesOf(t: Template, fn: FunctionName): { name: string; policy: Json }[] {
  const own = (id: string, attr?: string) => ownResourceArn(t, id, attr);
  const resolveDeep = (v: Json): Json => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(resolveDeep);
    if (['Fn::Sub', 'Ref', 'Fn::GetAtt', 'Fn::Join'].some((k) => k in v)) return resolveWith(v, own);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveDeep(x)]));
  };
  const role = t.Resources[roleIdOf(t, fn)];
  return asArray(role?.Properties.Policies as Json[]).map((p) => ({
    name: resolveValue(obj(p).PolicyName ?? 'inline'),
    policy: resolveDeep(obj(p).PolicyDocument ?? null),
  }));
}
