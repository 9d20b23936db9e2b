#!/usr/bin/env node
/**
 * Packages serverless.yml offline and lints the CloudFormation template with cfn-lint; exits non-zero on
 * any failure. Run by `npm test` (as `npm run package`) and by test/unit/infra/template.test.ts.
 *
 *   node scripts/package.mjs [--stage local] [--out .serverless] [-- <more serverless args, e.g. --param k=v>]
 *
 * Nothing reaches AWS: dummy credentials and region, no profile or shared config. serverless-esbuild leaks
 * temporary directories into $TMPDIR on every package: each run gets its own TMPDIR and a staged copy of the
 * service under `<repo>/.tmp` (git-ignored), removed when it ends, so concurrent runs (tests) do not collide.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { stage: 'local', out: '.serverless', extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.extra.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--stage' || arg === '--out') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) fail(`${arg} needs a value`);
      options[arg.slice(2)] = value;
    } else {
      fail(`unknown argument ${arg} (usage: package.mjs [--stage s] [--out dir] [-- serverless args])`);
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
// Everything this run writes besides the output is under runDir, removed at the end (serverless-esbuild's
// leaked temp dirs too). The service is staged there: serverless and serverless-esbuild stage artifacts in
// `<service>/.serverless` (and bundle in `<service>/.esbuild`), so two runs in one checkout would otherwise
// overwrite each other's.
const runDir = join(repo, '.tmp', `package-${process.pid}`);
const tmp = join(runDir, 'tmp');
const service = join(runDir, 'service');
mkdirSync(tmp, { recursive: true });
mkdirSync(service, { recursive: true });
for (const file of ['serverless.yml', 'package.json']) copyFileSync(join(repo, file), join(service, file));
for (const path of ['handlers', 'src', 'infra', 'node_modules', 'tsconfig.json']) {
  if (existsSync(join(repo, path))) symlinkSync(join(repo, path), join(service, path));
}
const outDir = resolve(repo, options.out);

const env = { ...process.env };
for (const key of Object.keys(env)) {
  if (key.startsWith('AWS_')) delete env[key];
}
Object.assign(env, {
  TMPDIR: tmp,
  AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGING',
  AWS_SECRET_ACCESS_KEY: 'offline-packaging-never-used',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'),
  AWS_CONFIG_FILE: join(tmp, 'no-aws-config'),
  AWS_EC2_METADATA_DISABLED: 'true',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
});

const require = createRequire(import.meta.url);
const serverlessBin = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
const sls = spawnSync(
  process.execPath,
  [serverlessBin, 'package', '--stage', options.stage, ...options.extra],
  { cwd: service, env, stdio: 'inherit' },
);
if (sls.status === 0) {
  // The staged service's `.serverless` becomes the output (`--package` is not honoured for a path ending in
  // `.serverless`, and the plugins stage there anyway).
  rmSync(outDir, { recursive: true, force: true });
  cpSync(join(service, '.serverless'), outDir, { recursive: true });
}
rmSync(runDir, { recursive: true, force: true });
if (sls.error) fail(`could not run serverless: ${sls.error.message}`);
if (sls.status !== 0) fail(`serverless package failed (exit ${sls.status ?? sls.signal})`);

const template = join(outDir, 'cloudformation-template-update-stack.json');
// Warnings fail too: the template is kept clean; accepted findings are listed in .cfnlintrc.yaml.
const lint = spawnSync('cfn-lint', ['--non-zero-exit-code', 'warning', '--', template], {
  cwd: repo,
  stdio: 'inherit',
});
if (lint.error) {
  const missing = /** @type {NodeJS.ErrnoException} */ (lint.error).code === 'ENOENT';
  fail(
    missing
      ? 'cfn-lint not found on PATH: install it with `pip install cfn-lint` (Python >= 3.9)'
      : `could not run cfn-lint: ${lint.error.message}`,
  );
}
if (lint.status !== 0) fail(`cfn-lint found problems in ${relative(repo, template)} (exit ${lint.status})`);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `package: ${relative(repo, template)} packaged (stage ${options.stage}), cfn-lint clean, ${seconds} s`,
);
