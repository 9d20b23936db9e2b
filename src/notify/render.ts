import type { Config } from '../config';
import { CHAT_LIMITS, type ChatNotification, chatNotificationSchema } from './chat';
import { accountOfArn, type Linked, type NextStep, type Notification, type RestoreBody } from './model';

/** Where the reports point: the stack's region, its restore function, the Identity Center region. */
export interface RenderContext {
  readonly region: string;
  readonly idcRegion: string;
  /** The restore function's name (`<service>-<stage>-restore`), for the restore command. */
  readonly restoreFunction: string;
}

/**
 * The render context of a stack: its functions are named `<service>-<stage>-<function>`, the prefix serverless.yml
 * also passes as `PROJECT_ROLE_PREFIX`; without it (a test, a local run) the command names `offboarding-<stage>-restore`.
 */
export function renderContext(
  config: Pick<Config, 'region' | 'idcRegion' | 'projectRolePrefix'>,
): RenderContext {
  return {
    region: config.region,
    idcRegion: config.idcRegion,
    restoreFunction: `${config.projectRolePrefix || 'offboarding-<stage>-'}restore`,
  };
}

/** The email's width: prose wraps here; only a link or a long unbroken token is longer. */
export const EMAIL_WIDTH = 100;

/** A value on one line: newlines and runs of whitespace (a multi-line SDK error) become one space. */
export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Wraps one logical line at `width`: words move to the next line, indented by `hang`; a token longer than the
 * line (a JSON body, a long ARN) is cut at the width so that no line of the email runs past it.
 */
export function wrap(text: string, width = EMAIL_WIDTH, first = '', hang = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = () => width - line.length - (empty ? 0 : 1);
  for (let word of oneLine(text).split(' ')) {
    if (!empty && word.length > room()) {
      lines.push(line);
      line = hang;
      empty = true;
    }
    while (word.length > room()) {
      const take = Math.max(room(), 1);
      lines.push(line + (empty ? '' : ' ') + word.slice(0, take));
      word = word.slice(take);
      line = hang;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
}

/** The console's domain for a partition. */
function consoleHost(partition: string, region: string): string {
  if (partition === 'aws-us-gov') return `console.amazonaws-us-gov.com`;
  if (partition === 'aws-cn') return `console.amazonaws.cn`;
  return `${region}.console.aws.amazon.com`;
}

/** A principal's console page and CloudTrail event history: label and URL. */
export function links(p: Linked, ctx: RenderContext): { label: string; url: string }[] {
  if (p.kind === 'idc-user') {
    const host = consoleHost('aws', ctx.idcRegion);
    return [
      {
        label: `Identity Center user ${p.userName}, CloudTrail event history (${ctx.idcRegion})`,
        url: `https://${host}/cloudtrailv2/home?region=${ctx.idcRegion}#/events?Username=${encodeURIComponent(p.userName)}`,
      },
    ];
  }
  const partition = /^arn:([\w-]+):/.exec(p.arn)?.[1] ?? 'aws';
  const host = consoleHost(partition, ctx.region);
  const name = encodeURIComponent(p.name);
  const account = accountOfArn(p.arn);
  const who = `${p.kind} ${p.name}${account ? ` (account ${account})` : ''}`;
  // CloudTrail names a user's calls by the user name; a role's sessions by their session names, so a role is
  // looked up as the resource of the calls made on it (its AssumeRole calls name it).
  const lookup = p.kind === 'user' ? `Username=${name}` : `ResourceName=${encodeURIComponent(p.arn)}`;
  return [
    {
      label: `${who}, IAM console`,
      url: `https://${host}/iam/home?region=${ctx.region}#/${p.kind}s/details/${name}`,
    },
    {
      label: `${who}, CloudTrail event history (${ctx.region})`,
      url: `https://${host}/cloudtrailv2/home?region=${ctx.region}#/events?${lookup}`,
    },
  ];
}

/** The restore request's body: the run to undo, and placeholders for what the operator must say. */
function restoreRequest(body: RestoreBody): Record<string, unknown> {
  return {
    target: body.target,
    ...(body.runId ? { runId: body.runId } : {}),
    ...(body.accountId ? { accountId: body.accountId } : {}),
    reason: '<why access comes back>',
    requestedBy: '<your name>',
  };
}

/** The `aws lambda invoke` of the restore function, one JSON member per line so that it reads in an email. */
export function restoreCommand(body: RestoreBody, ctx: RenderContext, indent = ''): string[] {
  const members = Object.entries(restoreRequest(body)).map(
    ([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`,
  );
  return [
    `${indent}aws lambda invoke --function-name ${ctx.restoreFunction} --region ${ctx.region} \\`,
    `${indent}  --cli-binary-format raw-in-base64-out \\`,
    ...members.map(
      (m, i) =>
        `${indent}${i ? '   ' : "  --payload '{"}${m}${i === members.length - 1 ? "}' restore.json" : ','}`,
    ),
  ];
}

/** The run, account and region first (where to look), then the report's own facts; empty ones left out. */
function factsOf(n: Notification, ctx: RenderContext): (readonly [string, string])[] {
  return [
    ['run', n.runId] as const,
    ['account', n.accountId] as const,
    ['region', ctx.region] as const,
    ...n.facts,
  ].filter((f): f is readonly [string, string] => !!f[1]);
}

/**
 * The email text, one column: the headline, the summary, the facts (`label: value`), each section as a list of
 * one-line items, the console links, the numbered next steps with the exact restore command. Lines stay within
 * {@link EMAIL_WIDTH} but for a link.
 */
export function emailText(n: Notification, ctx: RenderContext): string {
  const out: string[] = [n.headline, '', ...wrap(n.summary), ''];
  for (const [label, value] of factsOf(n, ctx)) out.push(...wrap(value, EMAIL_WIDTH, `${label}: `, '  '));
  for (const s of n.sections) {
    if (!s.items.length) continue;
    out.push('', s.title.includes(':') ? s.title : `${s.title}:`);
    for (const item of s.items) out.push(...wrap(item, EMAIL_WIDTH, '- ', '  '));
  }
  if (n.linked.length) {
    out.push('', 'Links (sign in to the account first):');
    for (const l of n.linked.flatMap((p) => links(p, ctx))) out.push(`- ${l.label}:`, `  ${l.url}`);
  }
  if (n.nextSteps.length) {
    out.push('', 'Next steps:');
    n.nextSteps.forEach((step, i) => {
      const mark = `${i + 1}. `;
      const said = typeof step === 'string' ? step : `${step.text}:`;
      out.push(...wrap(said, EMAIL_WIDTH, mark, ' '.repeat(mark.length)));
      if (typeof step !== 'string') {
        out.push(
          ...restoreCommand(step.restore, ctx, '     '),
          ...wrap(
            'or POST /ops/restore on the stack API (IAM-signed) with the same JSON body.',
            EMAIL_WIDTH,
            '   ',
            '   ',
          ),
        );
      }
    });
  }
  return out.join('\n');
}

/** Cuts a string to `max` characters, saying so. */
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 15)}... (cut)`);

/** A chat next step: the sentence, and the restore command inline. */
function chatStep(step: NextStep, ctx: RenderContext): string {
  if (typeof step === 'string') return cut(step, CHAT_LIMITS.nextStep);
  const payload = JSON.stringify(restoreRequest(step.restore));
  return cut(
    `${step.text}: \`aws lambda invoke --function-name ${ctx.restoreFunction} --region ${ctx.region} --cli-binary-format raw-in-base64-out --payload '${payload}' restore.json\` (or POST /ops/restore with that body)`,
    CHAT_LIMITS.nextStep,
  );
}

const SEVERITY_ICON = {
  high: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
} as const;

/** Lines of the chat description, within its bound: the sections' items are cut first, saying how many. */
function chatDescription(n: Notification, ctx: RenderContext): string {
  const head = [n.summary, '', ...factsOf(n, ctx).map(([label, value]) => `*${label}:* ${oneLine(value)}`)];
  const tail = n.linked.length
    ? ['', '*Links*', ...n.linked.flatMap((p) => links(p, ctx)).map((l) => `• ${l.label}: ${l.url}`)]
    : [];
  const budget = CHAT_LIMITS.description - [...head, ...tail].join('\n').length - 200;
  const body: string[] = [];
  let used = 0;
  for (const s of n.sections) {
    if (!s.items.length) continue;
    const lines = [`*${s.title}*`, ...s.items.map((i) => `• ${oneLine(i)}`)];
    let kept = 0;
    for (const l of lines) {
      if (used + l.length + 1 > budget) break;
      used += l.length + 1;
      kept++;
    }
    body.push('', ...lines.slice(0, kept));
    if (kept < lines.length) {
      body.push(`_… ${lines.length - kept} more in the email and the JSON report_`);
      break;
    }
  }
  return cut([...head, ...body, ...tail].join('\n'), CHAT_LIMITS.description);
}

/**
 * The Amazon Q Developer in chat applications custom notification of a report (validated against
 * {@link chatNotificationSchema}): title with the severity, description in the chat's markdown, next steps with the
 * restore command, keywords; `metadata.threadId` is the run id, so that a run's messages share a thread.
 * @throws ZodError if the rendering broke the format (a bug: the caller's publish fails and says so).
 */
export function chatMessage(n: Notification, ctx: RenderContext): ChatNotification {
  const { trigger, outcome, severity } = n.attributes;
  const related = n.linked.map((p) => (p.kind === 'idc-user' ? `identity-center-user/${p.userName}` : p.arn));
  const keywords = [...new Set([severity, trigger, outcome, ...n.keywords])]
    .map((k) => cut(k, CHAT_LIMITS.keyword))
    .slice(0, CHAT_LIMITS.keywords);
  return chatNotificationSchema.parse({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: cut(`${SEVERITY_ICON[severity]} ${n.headline}`, CHAT_LIMITS.title),
      description: chatDescription(n, ctx),
      ...(n.nextSteps.length
        ? { nextSteps: n.nextSteps.slice(0, CHAT_LIMITS.nextSteps).map((s) => chatStep(s, ctx)) }
        : {}),
      keywords,
    },
    metadata: {
      ...(n.runId ? { threadId: n.runId } : {}),
      summary: cut(n.headline, CHAT_LIMITS.summary),
      eventType: n.kind,
      ...(related.length ? { relatedResources: related.slice(0, CHAT_LIMITS.relatedResources) } : {}),
      additionalContext: {
        trigger,
        outcome,
        severity,
        region: ctx.region,
        ...(n.runId ? { runId: n.runId } : {}),
        ...(n.accountId ? { accountId: n.accountId } : {}),
      },
    },
  });
}
