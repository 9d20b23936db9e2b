/**
 * `npm run local`'s loop (tools/local/loop.ts) driven as the README documents it: the sample
 * events/hr-standard.json signed by `npm run sign-event` (no secret given: the local loop's), sent with the
 * printed curl to `serverless offline --stage local`, queued by the real webhook, handed by the poll loop to
 * the real worker; asserted on moto's state. Stand-ins (moto has no such APIs): Session Manager and
 * ListServiceSpecificCredentials, answered by the proxy in front of moto (tools/local/moto-gaps.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { LOCAL_PERSON, LOCAL_STAGE, type LocalLoop, startLocalLoop } from '../../tools/local/loop';
import { freePort } from '../../tools/local/moto';

const repo = resolve(__dirname, '../..');
const JANE_ARN = `arn:aws:iam::123456789012:user/${LOCAL_PERSON.userName}`;
let loop: LocalLoop;

const iam = () => loop.clients.iam;
const keyStatuses = async () =>
  (
    (await iam().send(new ListAccessKeysCommand({ UserName: LOCAL_PERSON.userName }))).AccessKeyMetadata ?? []
  ).map((k) => k.Status);
const attached = async () =>
  (
    (await iam().send(new ListAttachedUserPoliciesCommand({ UserName: LOCAL_PERSON.userName })))
      .AttachedPolicies ?? []
  ).map((p) => p.PolicyArn);
const hasLoginProfile = async () =>
  iam()
    .send(new GetLoginProfileCommand({ UserName: LOCAL_PERSON.userName }))
    .then(
      () => true,
      (err: Error) => {
        if (err.name === 'NoSuchEntity' || err.name === 'NoSuchEntityException') return false;
        throw err;
      },
    );

/** Runs a shell line in the repository, as a reader of the README would, with no webhook secret set. */
function sh(line: string): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('WEBHOOK_SECRET')),
  ) as NodeJS.ProcessEnv;
  return new Promise((res, rej) =>
    execFile('sh', ['-c', line], { cwd: repo, env, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${line} failed: ${err.message}\n${stdout}\n${stderr}`)) : res({ stdout, stderr }),
    ),
  );
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  loop = await startLocalLoop({
    httpPort: await freePort(),
    lambdaPort: await freePort(),
    pollIntervalMs: 250,
  });
}, 180_000);

afterAll(async () => {
  await loop?.stop();
});

describe('npm run local (tools/local/loop.ts)', () => {
  it('refuses the sample as committed (unsigned) and leaves Jane untouched', async () => {
    const sample = JSON.parse(readFileSync(resolve(repo, 'events/hr-standard.json'), 'utf8')) as {
      headers: Record<string, string>;
      body: string;
    };
    const res = await fetch(`${loop.httpUrl}/hr/standard`, {
      method: 'POST',
      headers: sample.headers,
      body: sample.body,
    });
    expect(res.status).toBe(401);
    await loop.drainOnce();
    expect(loop.processed()).toBe(0);
    expect(await keyStatuses()).toEqual(['Active']);
    expect(await attached()).toEqual([]);
  });

  it("revokes Jane when the README's signed curl of events/hr-standard.json reaches serverless offline", async () => {
    const { stdout, stderr } = await sh(
      `npm run -s sign-event -- standard events/hr-standard.json --curl ${loop.httpUrl} | sh`,
    );
    expect(stderr).toMatch(/signed with the local secret that `npm run local` stores/);
    expect(stdout).toMatch(/^HTTP\/1\.1 202/);
    expect(stdout).toContain('"queued":["standard:msg_2bXk1o9Xc2EsampleDeparture1"]');

    await until('the worker to take the departure', () => loop.processed() === 1);

    expect(await attached()).toEqual([LOCAL_STAGE.denyPolicyArn]);
    expect(await keyStatuses()).toEqual(['Inactive']);
    expect(await hasLoginProfile()).toBe(false);
    const tags = Object.fromEntries(
      ((await iam().send(new ListUserTagsCommand({ UserName: LOCAL_PERSON.userName }))).Tags ?? []).map(
        (t) => [t.Key, t.Value],
      ),
    );
    expect(tags).toMatchObject({ 'offboarding:state': 'revoked' });
    expect(loop.sessions.activeOf(JANE_ARN)).toEqual([]);

    // The deny works: with moto evaluating IAM from now on, Jane's own key is refused.
    await loop.moto.enableIamEnforcement();
    const jane = new IAMClient({
      region: 'us-east-1',
      endpoint: loop.moto.endpoint,
      credentials: loop.person.keys[0],
      maxAttempts: 1,
    });
    await expect(jane.send(new ListUsersCommand({}))).rejects.toThrow(/not authorized/i);
  });
});
