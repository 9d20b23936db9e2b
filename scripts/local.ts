/**
 * `npm run local`: the whole webhook path on this machine, no AWS account needed. Starts moto, seeds the
 * `local` stage's resources, the webhook secrets and Jane Doe (the person the sample events name), runs
 * `serverless offline --stage local`, and hands every queued departure to the revocation worker. Prints what
 * it started and the commands to try; Ctrl-C stops everything. Ports: OFFLINE_HTTP_PORT (3000),
 * OFFLINE_LAMBDA_PORT (3002), MOTO_PORT (5000).
 */
import { LOCAL_PERSON, LOCAL_STAGE, type LocalLoop, startLocalLoop } from '../tools/local/loop';

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a TCP port, got ${raw}`);
  return n;
};

let loop: LocalLoop | undefined;
let stopping = false;
/** Stops what the loop started; interrupted while starting, exiting runs the processes' exit hooks. */
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('stopping...\n');
  await loop?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

async function main(): Promise<void> {
  const httpPort = port('OFFLINE_HTTP_PORT', 3000);
  const lambdaPort = port('OFFLINE_LAMBDA_PORT', 3002);
  const motoPort = port('MOTO_PORT', 5000);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  loop = await startLocalLoop({ httpPort, lambdaPort, motoPort, log });
  const m = loop.moto.endpoint;
  const u = LOCAL_PERSON.userName;
  process.stdout.write(
    [
      '',
      'Local loop running (Ctrl-C stops moto, serverless offline and the worker poll):',
      `  moto_server            ${m}  (account 123456789012, us-east-1; IAM enforcement off)`,
      `  serverless offline     ${loop.httpUrl}/hr/{provider}  (stage local; Lambda endpoint ${loop.lambdaUrl})`,
      `  functions' AWS endpoint ${loop.awsEndpoint}  (moto, with a stand-in for Session Manager)`,
      `  worker poll            ${LOCAL_STAGE.departureQueue} -> ${LOCAL_STAGE.worker}, every second`,
      '',
      'Try, in another terminal:',
      `  npm run -s sign-event -- standard events/hr-standard.json --curl ${loop.httpUrl} | sh   # 202 {"queued":[...]}`,
      '  (okta, bamboohr, hibob: the same with events/hr-<provider>.json)',
      `  curl -sS -X POST ${loop.lambdaUrl}/2015-03-31/functions/offboarding-local-lockdown/invocations --data-binary @events/lockdown-user.json`,
      '  (every sample and where it runs: events/README.md)',
      '',
      `Then, with AWS_ENDPOINT_URL=${m} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1:`,
      `  aws --endpoint-url ${m} iam list-attached-user-policies --user-name ${u}   # AWSDenyAll`,
      `  aws --endpoint-url ${m} iam list-access-keys --user-name ${u}              # Inactive`,
      `  aws --endpoint-url ${m} iam list-user-tags --user-name ${u}                # offboarding:state=revoked`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
