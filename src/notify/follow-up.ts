import type { FollowUpReport, TrailEvent } from '../follow-up/types';
import type { Notification } from './index';
import { table } from './text';

/** At most this many events per list in the text (the JSON report carries them all). */
const MAX_LISTED = 50;

function eventRows(events: readonly TrailEvent[]): string[] {
  const rows = events
    .slice(0, MAX_LISTED)
    .map((e) => [
      e.eventTime,
      e.accountId,
      e.region,
      `${e.eventSource.replace('.amazonaws.com', '')}:${e.eventName}`,
      e.username ?? '',
      e.accessKeyId ?? '',
      e.sourceIPAddress ?? '',
      e.errorCode ?? 'success',
    ]);
  const more = events.length > MAX_LISTED ? [`... and ${events.length - MAX_LISTED} more (JSON report)`] : [];
  return [
    table([['time', 'account', 'region', 'call', 'user', 'key', 'source IP', 'result'], ...rows]),
    ...more,
  ];
}

const HEADLINES: Record<FollowUpReport['outcome'], string> = {
  'activity-after-revocation': 'ACTIVITY AFTER REVOCATION',
  incomplete: 'INCOMPLETE: some lookups failed, the revocation is not proven to hold',
  'denied-attempts': 'denied attempts only: the revocation held',
  'no-activity': 'no activity after the revocation',
};

/**
 * The notification of a CloudTrail follow-up (`trigger` `follow-up`): `activity-after-revocation` (high) lists
 * the calls that succeeded after the deny and the keys used after it; `denied-attempts` (info) lists the refused
 * calls; `incomplete` (high) the lookups that failed.
 */
export function followUpNotification(report: FollowUpReport): Notification {
  const who = [...new Set(report.accounts.flatMap((a) => a.principals.map((p) => p.split('/').pop())))];
  const lines = [
    `Offboarding follow-up of run ${report.runId} (${report.trigger}): ${HEADLINES[report.outcome]}`,
    `checked at: ${report.at}`,
    ...report.accounts.map(
      (a) =>
        `account ${a.accountId}: ${a.principals.join(', ') || '(Identity Center user)'}; revoked at ${a.revokedAt}, deny verified at ${a.denyAt}; ${a.lookups} lookups`,
    ),
  ];
  if (report.activity.length) {
    lines.push('', `Calls that SUCCEEDED after the deny took effect (${report.activity.length}):`);
    lines.push(...eventRows(report.activity));
  }
  for (const k of report.keysUsedAfter) {
    lines.push(
      `access key ${k.accessKeyId} (account ${k.accountId}) last used ${k.lastUsedDate}${k.serviceName ? ` on ${k.serviceName}` : ''}${k.region ? ` in ${k.region}` : ''}: after the revocation`,
    );
  }
  if (report.denied.length) {
    lines.push('', `Denied attempts (information, ${report.denied.length}):`, ...eventRows(report.denied));
  }
  if (report.beforeDeny.length) {
    lines.push('', `Calls during the revocation, before the deny was verified (information):`);
    lines.push(...eventRows(report.beforeDeny));
  }
  for (const f of report.failures) {
    lines.push(
      `lookup failed: account ${f.accountId}${f.region ? ` ${f.region}` : ''} ${f.lookup}: ${f.error}`,
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  const what = report.outcome === 'activity-after-revocation' ? 'ACTIVITY AFTER REVOCATION' : report.outcome;
  return {
    subject: `[offboarding] follow-up ${what}: ${who.join(', ') || report.runId}`,
    text: lines.join('\n'),
    json: report,
    attributes: { trigger: 'follow-up', outcome: report.outcome, severity: report.severity },
  };
}
