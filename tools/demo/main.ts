import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../../src/config';
import { memberRoleIam } from '../local/accounts';
import { findMotoServer, type Moto, MotoNotInstalledError, startMoto } from '../local/moto';
import { motoClients } from '../local/seed';
import { accountOfClient, isolateAwsEnvironment } from './aws';
import {
  type Company,
  HOME_ACCOUNT,
  MEMBER_ROLE,
  OPERATOR,
  PROVIDERS,
  ROLE,
  seedCompany,
  WEBHOOK_SECRET_PREFIX,
} from './company';
import type { DemoContext, InvokeHandler } from './flows';
import type { HttpApiHandler, LocalHttpApi } from './http';
import { SimulatedProvisioning } from './provisioning';
import type { SqsHandler } from './queue';
import { SimulatedSessions } from './sessions';
import { seedTime, TIME_SETTINGS } from './time';
import type { DemoResult, IdentityCenterSeed, Proof, SeedSummary } from './types';

/**
 * `npm run demo`: the product on a seeded local AWS account (moto), through all three triggers, with proof.
 * Prints a narration, or with `--json` one JSON document ({@link DemoResult}). Exit code 0 when every proof
 * passed, 1 otherwise, 2 for a usage error; moto missing prints the one-line install hint and exits 1.
 */

const USAGE = 'usage: npm run demo [-- --json]';

const REGION = 'us-east-1';

interface Output {
  /** Narration (text mode only), printed as the demo goes. */
  say(text: string): void;
}

function settingsOf(company: Company, idc: IdentityCenterSeed): Record<string, string> {
  return {
    NOTIFY_TOPIC_ARN: company.inbox.topicArn,
    STATE_TABLE: company.stateTable,
    DEPARTURE_QUEUE_URL: company.departureQueueUrl,
    // Two accounts: the departure worker fans out, one work item per account on the account queue.
    TARGET_ACCOUNTS: `${HOME_ACCOUNT},${company.member.accountId}`,
    ACCOUNT_QUEUE_URL: company.accountQueueUrl,
    MEMBER_ROLE_NAME: MEMBER_ROLE,
    WEBHOOK_SECRET_PREFIX,
    PROTECTED_PRINCIPALS: OPERATOR,
    KEY_MAX_AGE_DAYS: '90',
    // Not the default 45: every seeded key is as idle as it is old (the emulator records real times), so
    // the idle rule would catch Sam's new key along with his old one.
    KEY_MAX_IDLE_DAYS: '90',
    KEY_WARN_DAYS: '14',
    SWEEP_MAX_FRACTION: '0.2',
    SWEEP_MAX_ACTIONS: '25',
    SESSION_REGIONS: REGION,
    // Identity Center: a departure revokes the person's Identity Center user too (IDC_REGION: the region).
    IDENTITY_STORE_ID: idc.identityStoreId,
    SSO_INSTANCE_ARN: idc.instanceArn,
    // Departures scheduled ahead and CloudTrail follow-ups (flow 5): the schedule group, role and target.
    ...TIME_SETTINGS,
  };
}

/** Everything the demo starts, stopped once whatever happens (normal end, error, SIGINT, SIGTERM). */
class Resources {
  /** The emulator, from the moment it is being started (a signal during its start still stops it). */
  moto: Promise<Moto> | undefined;
  api: LocalHttpApi | undefined;
  readonly sessions = new SimulatedSessions();
  readonly provisioning = new SimulatedProvisioning();
  #stopped: Promise<void> | undefined;

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.sessions.uninstall();
      this.provisioning.uninstall();
      await this.api?.close().catch(() => undefined);
      const moto = await this.moto?.catch(() => undefined);
      await moto?.stop().catch(() => undefined);
    })();
    return this.#stopped;
  }
}

async function run(out: Output, resources: Resources, repoRoot: string): Promise<DemoResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  // Before anything starts (the emulator inherits this environment too): no AWS_* of the user's survives.
  isolateAwsEnvironment(process.env, repoRoot, { AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION });
  resources.moto = startMoto({ region: REGION });
  const moto = await resources.moto;
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  const { sessions } = resources;
  sessions.install(accountOfClient(moto.endpoint, REGION));

  // Imported here, not above: it loads src/ modules, whose logger reads POWERTOOLS_LOG_LEVEL at import.
  const { IDENTITY_STORE_ID, seedIdentityCenter } = await import('./identity-center');
  const [company, idc] = await Promise.all([
    seedCompany(moto, sessions, new Date()),
    seedIdentityCenter(moto, REGION),
    seedTime(moto),
  ]);
  await moto.enableIamEnforcement();
  // After the seed: only the handlers' provisionings are answered IN_PROGRESS, then SUCCEEDED.
  resources.provisioning.install();

  // The handlers read their environment once, at import (cold start): set it first, import them after.
  const settings = settingsOf(company, idc);
  Object.assign(process.env, settings, {
    AWS_ACCESS_KEY_ID: company.operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: company.operator.secretAccessKey,
  });
  const { loadConfig } = await import('../../src/config');
  const config: Config = loadConfig(process.env, ['DEPARTURE_QUEUE_URL']);
  const clients = motoClients(moto, company.operator);
  const { NotificationLog, departureFlow, sweepFlow, incidentFlow, notificationsFlow } = await import(
    './flows'
  );
  const render = await import('./render');
  const { startHttpApi } = await import('./http');
  const hrWebhook = (await import('../../handlers/hr-webhook')).handler as unknown as HttpApiHandler;
  const worker = (await import('../../handlers/revocation-worker')).handler as unknown as SqsHandler;
  const accountWorker = (await import('../../handlers/account-worker')).handler as unknown as SqsHandler;
  const lockdown = (await import('../../handlers/lockdown')).handler as unknown as InvokeHandler;
  const restore = (await import('../../handlers/restore')).handler as unknown as InvokeHandler;
  const followUp = (await import('../../handlers/follow-up')).handler as unknown as InvokeHandler;
  const { keySweep } = await import('../../src/sweep/sweep');

  const seed: SeedSummary = {
    endpoint: moto.endpoint,
    region: REGION,
    stack: {
      notifyTopicArn: company.inbox.topicArn,
      inboxQueueUrl: company.inbox.queueUrl,
      stateTable: config.stateTable,
      departureQueueUrl: company.departureQueueUrl,
      departureDlqUrl: company.departureDlqUrl,
      accountQueueUrl: company.accountQueueUrl,
      accountDlqUrl: company.accountDlqUrl,
      webhookSecretParameters: PROVIDERS.map((p) => `${WEBHOOK_SECRET_PREFIX}${p}`),
    },
    accounts: [
      { accountId: HOME_ACCOUNT, reachedAs: "the stack's own account (the operator's key)" },
      {
        accountId: company.member.accountId,
        reachedAs: `member account, through its role ${company.member.roleArn}`,
      },
    ],
    users: [
      ...company.users.map((u) => ({ accountId: HOME_ACCOUNT, ...u })),
      ...company.member.users.map((u) => ({ accountId: company.member.accountId, ...u })),
    ].map((u) => ({
      accountId: u.accountId,
      userName: u.userName,
      who: u.who,
      keys: u.keys.map((k) => k.accessKeyId),
      extras: u.extras,
    })),
    role: ROLE,
    identityCenter: idc,
    sessions: sessions.all().map((s) => ({ sessionId: s.sessionId, owner: s.owner, target: s.target })),
    settings,
    settingNotes: [
      `TARGET_ACCOUNTS lists both accounts, so a departure fans out: the revocation worker queues one work item per account on ACCOUNT_QUEUE_URL and the account worker revokes in each (in ${company.member.accountId} through the role ${MEMBER_ROLE}, assumed with the run id as session name).`,
      "KEY_MAX_IDLE_DAYS is 90, not the default 45: the emulator records real times, so every seeded key is as idle as it is old, and the idle rule would catch Sam's new key along with his old one. Every other threshold and limit is the default.",
      `IDENTITY_STORE_ID and SSO_INSTANCE_ARN name the Identity Center instance (moto's default one, in ${HOME_ACCOUNT}), so a departure revokes the person's Identity Center user too: the revocation worker does it once, beside the fan-out, and the run's completion waits for it. The store id is the demo's ${IDENTITY_STORE_ID}: moto names its store d- and 10 letters and digits, which the setting refuses (AWS's are 10 hex digits); moto keeps a store for any id it is given.`,
    ],
    simulated: [
      `SSM Session Manager sessions. moto has no DescribeSessions/TerminateSession, so the ${sessions.all().length} sessions above live in memory in this process and answer those two calls, each client seeing only its own account's sessions; every other call (IAM, STS, SQS, SNS, DynamoDB, SSM parameters) goes to the emulator.`,
      'API Gateway and Lambda. A local HTTP server turns each request into the API Gateway v2 event the real hr-webhook handler receives; the demo hands the departure queue to the real revocation-worker handler and then the account queue to the real account-worker handler as Lambda would (SQS batches), and invokes the lockdown/restore handlers directly.',
      "Several accounts on one emulator: moto keeps each account's state apart and acts on the account owning the signing key; it checks no role trust, so assuming the member role always succeeds here.",
      'Identity Center provisioning status. moto answers ProvisionPermissionSet SUCCEEDED at once and has no DescribePermissionSetProvisioningStatus, so every sso-admin client in this process gets ProvisionPermissionSet (still recorded by moto) answered IN_PROGRESS, as AWS answers, and DescribePermissionSetProvisioningStatus answered SUCCEEDED; every other identitystore and sso-admin call goes to the emulator.',
    ],
    gaps: [
      'service-specific credentials: moto has no ListServiceSpecificCredentials; the engine says in its notes (shown under the lockdown) that it could not list them (on AWS it can).',
      "Identity Center role sessions: moto creates no AWSReservedSSO_* roles and ignores a policy's Condition, so the deny on her user id is shown as the statement in each permission set, not as a refused request (test/unit/identity-center/deny-simulate.test.ts proves it with an IAM policy evaluator); moto also provisions a permission set to the caller's account only.",
    ],
  };
  out.say(render.renderSeed(seed));

  const ctx: DemoContext = {
    moto,
    region: REGION,
    company,
    sessions,
    clients,
    config,
    notifications: new NotificationLog(clients, company.inbox.queueUrl),
    memberIam: await memberRoleIam(moto.endpoint, REGION, company.operator, company.member.roleArn, {
      sessionName: 'demo-reader',
    }),
    identityCenter: { seed: idc, clients: clients.identityCenter(REGION) },
    provisioning: resources.provisioning,
  };
  // Seeding published nothing; start the subscriber's log empty anyway.
  await ctx.notifications.drain();

  const api = await startHttpApi(hrWebhook, 'hr-webhook');
  resources.api = api;
  const departure = await departureFlow(ctx, api, worker, accountWorker);
  out.say(render.renderDeparture(departure, idc));

  const sweep = await sweepFlow(ctx, keySweep);
  out.say(render.renderSweep(sweep));

  const incident = await incidentFlow(ctx, lockdown, restore);
  out.say(render.renderIncident(incident));

  const runIds = [
    departure.completion.coverage?.runId ?? 'missing-completion-notification',
    sweep.report.runId,
    sweep.enforce.runId,
    incident.lockdown.runId,
    incident.restore.runId,
  ];
  const notifications = await notificationsFlow(ctx, runIds);
  out.say(render.renderNotifications(notifications));

  const { timeFlow, renderTime } = await import('./time');
  const scheduling = await timeFlow(ctx, api, { worker, accountWorker, followUp });
  out.say(renderTime(scheduling));

  const proofs: Proof[] = [
    ...departure.proofs,
    ...sweep.proofs,
    ...incident.proofs,
    ...notifications.proofs,
    ...scheduling.proofs,
  ];
  return {
    ok: proofs.every((p) => p.ok),
    startedAt,
    durationMs: Date.now() - started,
    seed,
    flows: { departure, sweep, incident, notifications, time: scheduling },
    proofs,
  };
}

/**
 * Runs the demo; resolves to the process exit code. Everything it starts is stopped before it resolves,
 * and on SIGINT/SIGTERM.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let json = false;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    json = values.json === true;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  // Without the emulator there is nothing to show: say how to install it, in one line, before anything else.
  if (!findMotoServer()) {
    process.stderr.write(`${new MotoNotInstalledError().message}\n`);
    return 1;
  }
  // Quiet handler logs (they would interleave with the narration) and the SDK's Node version warning.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // No metric lines either (CloudWatch EMF on stdout: src/metrics.ts).
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const repoRoot = resolve(__dirname, '..', '..');
  const resources = new Resources();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the emulator and the local HTTP server\n`);
    void resources.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The reader went away (`npm run demo | head`): stop everything, end like a Unix tool on SIGPIPE.
  const onStdoutError = () => {
    void resources.stop().finally(() => process.exit(141));
  };
  process.stdout.once('error', onStdoutError);

  const out: Output = { say: (text) => (json ? undefined : process.stdout.write(`${text}\n`)) };
  try {
    if (!json) {
      const { renderIntro } = await import('./render');
      out.say(renderIntro());
    }
    const result = await run(out, resources, repoRoot);
    await resources.stop();
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const { renderSummary } = await import('./render');
      out.say(renderSummary(result));
    }
    return result.ok ? 0 : 1;
  } catch (err) {
    await resources.stop();
    if (err instanceof MotoNotInstalledError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`demo failed: ${message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.stdout.removeListener('error', onStdoutError);
  }
}
