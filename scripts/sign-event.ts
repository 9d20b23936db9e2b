/**
 * Signs a sample HR webhook event with a local secret, so it can be replayed with `serverless invoke local`
 * or curl.
 *
 *   npm run sign-event -- <provider> <file> [--secret <secret>] [--keep-times] [--curl <url>]
 *
 * The secret comes from `--secret`, else `WEBHOOK_SECRET_<PROVIDER>`, else `WEBHOOK_SECRET`, else the local
 * loop's secret for the provider (tools/local/secrets.ts, what `npm run local` stores; a note on stderr says
 * so); it must be one of the lines of the provider's SSM parameter (`${WEBHOOK_SECRET_PREFIX}<provider>`)
 * where the event is sent. Event times in the body are moved to now unless `--keep-times` (so the sample is not refused as too
 * old). Prints the signed API Gateway v2 event, or with `--curl` the equivalent curl command.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ProviderName, providers } from '../src/webhooks/registry';
import { LOCAL_WEBHOOK_SECRETS } from '../tools/local/secrets';
import { signEvent } from '../tools/testing/sign';

const USAGE =
  'usage: npm run sign-event -- <standard|okta|bamboohr|hibob> <event.json> [--secret <secret>] [--keep-times] [--curl <url>]';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function main(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      secret: { type: 'string' },
      'keep-times': { type: 'boolean', default: false },
      curl: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return USAGE;
  const [provider, file] = positionals;
  if (!provider || !file || !Object.hasOwn(providers, provider)) throw new Error(USAGE);
  const name = provider as ProviderName;
  let secret = values.secret ?? env[`WEBHOOK_SECRET_${name.toUpperCase()}`] ?? env.WEBHOOK_SECRET;
  if (!secret) {
    secret = LOCAL_WEBHOOK_SECRETS[name];
    process.stderr.write(
      `signed with the local secret that \`npm run local\` stores (tools/local/secrets.ts); for a deployed stack ` +
        `pass --secret or set WEBHOOK_SECRET_${name.toUpperCase()} / WEBHOOK_SECRET` +
        (name === 'standard' ? ' (a Standard Webhooks secret looks like whsec_<base64>)' : '') +
        '\n',
    );
  }
  const event = JSON.parse(readFileSync(file, 'utf8')) as APIGatewayProxyEventV2;
  const signed = signEvent(name, event, secret, new Date(), { refreshTimes: !values['keep-times'] });
  if (!values.curl) return JSON.stringify(signed, null, 2);
  const url = values.curl.replace(/\/+$/, '');
  const headers = Object.entries(signed.headers)
    .filter(([k]) => k !== 'content-length' && k !== 'host')
    .map(([k, v]) => `-H ${shellQuote(`${k}: ${v}`)}`);
  return [
    'curl -sS -i -X POST',
    ...headers,
    `--data-binary ${shellQuote(signed.body ?? '')}`,
    shellQuote(`${url}/hr/${name}`),
  ].join(' \\\n  ');
}

try {
  process.stdout.write(`${main(process.argv.slice(2), process.env)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
