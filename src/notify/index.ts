import { PublishCommand } from '@aws-sdk/client-sns';
import type { Clients } from './clients';
import type { RestoreReport, RevocationReport, RunOutcome, Severity, StepResult } from './engine/types';

/** SNS actions notification uses. */
export const NOTIFY_PERMISSIONS = ['sns:Publish'] as const;

/**
 * One notification per run: a human text (for `default` and `email`), the JSON report (for `sqs`, `lambda`,
 * `https`), and message attributes `trigger`, `outcome`, `severity` for subscription filter policies.
 */
export interface Notification {
  readonly subject: string;
  readonly text: string;
  readonly json: unknown;
  readonly attributes: { readonly trigger: string; readonly outcome: string; readonly severity: Severity };
}

/** SNS accepts 256 KiB per message; the envelope holds the report three times, so keep each part small. */
const MAX_PART = 60_000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}\n... (truncated, ${text.length} chars)`;
}

/** SNS subject: under 100 characters, printable ASCII, no newlines. */
export function safeSubject(subject: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = subject.replace(/[\u0000-\u001f\u007f-\uffff]/g, '?').trim();
  return clean.length < 100 ? clean : `${clean.slice(0, 96)}...`;
}

/**
 * Publishes a notification on the topic as `MessageStructure: json`.
 * SNS: `sns:Publish`.
 */
export async function publish(
  clients: Pick<Clients, 'sns'>,
  topicArn: string,
  n: Notification,
): Promise<string | undefined> {
  let json = JSON.stringify(n.json);
  if (json.length > MAX_PART) {
    json = JSON.stringify({ truncated: true, summary: clip(n.text, MAX_PART / 2) });
  }
  const text = clip(n.text, MAX_PART);
  const r = await clients.sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: safeSubject(n.subject),
      MessageStructure: 'json',
      Message: JSON.stringify({ default: text, email: text, sqs: json, lambda: json, https: json }),
      MessageAttributes: {
        trigger: { DataType: 'String', StringValue: n.attributes.trigger },
        outcome: { DataType: 'String', StringValue: n.attributes.outcome },
        severity: { DataType: 'String', StringValue: n.attributes.severity },
      },
    }),
  );
  return r.MessageId;
}

export function severityOf(outcome: RunOutcome | RestoreReport['outcome'] | 'halted'): Severity {
  switch (outcome) {
    case 'failed':
    case 'partial':
    case 'halted':
      return 'high';
    case 'protected':
    case 'not-found':
      return 'warning';
    default:
      return 'info';
  }
}

/** Renders rows as an aligned plain-text table (no colour), the first row being the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function stepRows(steps: readonly StepResult[]): string {
  return table([
    ['step', 'subject', 'outcome', 'detail'],
    ...steps.map((s) => [s.id, s.subject, s.outcome, s.error ?? s.detail ?? '']),
  ]);
}

const describeTarget = (t: Readonly<Record<string, string>>) =>
  Object.entries(t)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** The notification of a revocation run (lockdown, departure, drift re-revocation). */
export function revocationNotification(report: RevocationReport): Notification {
  const who = report.principals.map((p) => `${p.principal.kind} ${p.principal.name}`).join(', ');
  const lines = [
    `Offboarding ${report.trigger}${report.dryRun ? ' (dry run)' : ''}: ${report.outcome.toUpperCase()}`,
    `target: ${describeTarget(report.target)}`,
    `requested by: ${report.requestedBy}   reason: ${report.reason}`,
    `run: ${report.runId}   at: ${report.at}`,
  ];
  if (!report.principals.length) lines.push('', 'no principal matched the target');
  for (const p of report.principals) {
    lines.push('', `${p.principal.kind} ${p.principal.name} (${p.principal.arn}): ${p.outcome}`);
    if (p.steps.length) lines.push(stepRows(p.steps));
    if (p.verification) {
      const failed = p.verification.checks.filter((c) => !c.ok);
      lines.push(
        `verified: ${p.verification.ok ? 'yes' : 'NO'} (${p.verification.checks.length} checks${
          failed.length
            ? `; failed: ${failed.map((c) => c.check + (c.detail ? ` [${c.detail}]` : '')).join('; ')}`
            : ''
        })`,
      );
    }
    if (p.sessions.length) {
      lines.push(
        `SSM sessions: ${p.sessions.map((s) => `${s.sessionId} on ${s.target ?? '?'} (${s.region})`).join(', ')}`,
        'note: processes started inside a session keep running on its target after it ends',
      );
    }
    for (const note of p.notes) lines.push(`note: ${note}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return {
    subject: `[offboarding] ${report.trigger} ${report.outcome}${report.dryRun ? ' (dry run)' : ''}: ${who || describeTarget(report.target)}`,
    text: lines.join('\n'),
    json: report,
    attributes: { trigger: report.trigger, outcome: report.outcome, severity: severityOf(report.outcome) },
  };
}

/** The notification of a restore. */
export function restoreNotification(report: RestoreReport): Notification {
  const lines = [
    `Offboarding restore: ${report.outcome.toUpperCase()}`,
    `${report.principal.kind} ${report.principal.name} (${report.principal.arn})`,
    `requested by: ${report.requestedBy}   reason: ${report.reason}`,
    `run: ${report.runId}   at: ${report.at}   undoes: ${report.undoes.join(', ')}`,
    '',
    stepRows(report.steps),
  ];
  if (report.verification) lines.push(`verified: ${report.verification.ok ? 'yes' : 'NO'}`);
  for (const n of report.notRestored) lines.push(`not restored: ${n}`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  return {
    subject: `[offboarding] restore ${report.outcome}: ${report.principal.kind} ${report.principal.name}`,
    text: lines.join('\n'),
    json: report,
    attributes: { trigger: 'restore', outcome: report.outcome, severity: severityOf(report.outcome) },
  };
}
