import type { FollowUpReport, TrailEvent } from '../follow-up/types';
import { listed, type NextStep, type Notification, notification, type Section } from './model';

/** At most this many events per list in the email and chat (the JSON report carries them all). */
const MAX_LISTED = 50;

/** One CloudTrail event on one line: when, where, what, by whom, and how it ended. */
function eventItem(e: TrailEvent): string {
  const call = `${e.eventSource.replace('.amazonaws.com', '')}:${e.eventName}`;
  const by = [e.username, e.accessKeyId ? `key ${e.accessKeyId}` : undefined].filter(Boolean).join(', ');
  const from = e.sourceIPAddress ? ` from ${e.sourceIPAddress}` : '';
  return `${e.eventTime} ${call} in ${e.accountId} ${e.region}${by ? ` by ${by}` : ''}${from}: ${e.errorCode ?? 'SUCCEEDED'}`;
}

function eventSection(title: string, events: readonly TrailEvent[]): Section {
  const items = events.slice(0, MAX_LISTED).map(eventItem);
  if (events.length > MAX_LISTED) items.push(`... and ${events.length - MAX_LISTED} more (JSON report)`);
  return { title: `${title} (${events.length})`, items };
}

const MEANING: Record<FollowUpReport['outcome'], string> = {
  'activity-after-revocation':
    'Calls by a revoked identity SUCCEEDED after the deny took effect: access was not fully revoked, or was regained.',
  incomplete: 'Some CloudTrail lookups failed: the revocation is not proven to hold.',
  'denied-attempts':
    'The revoked identities tried to call AWS after the deny and were refused: the revocation held.',
  'no-activity': 'No call by the revoked identities after the revocation.',
};

const HEADLINE: Record<FollowUpReport['outcome'], string> = {
  'activity-after-revocation': 'ACTIVITY AFTER REVOCATION',
  incomplete: 'incomplete',
  'denied-attempts': 'denied attempts only',
  'no-activity': 'no activity',
};

function nextSteps(r: FollowUpReport): NextStep[] {
  const steps: NextStep[] = [];
  if (r.outcome === 'activity-after-revocation') {
    steps.push(
      'Treat it as an incident: lock the identities down again (lockdown), then review what the listed calls did.',
      'Look for access the revocation does not cover: other users or roles of the person, federated or third-party credentials.',
    );
  }
  if (r.outcome === 'incomplete')
    steps.push(
      'Fix the cause of each failed lookup (member role, CloudTrail permissions), then invoke the follow-up function again with {"runId": "' +
        r.runId +
        '"}.',
    );
  if (r.outcome === 'denied-attempts')
    steps.push('Nothing to undo; tell whoever still runs these credentials (a script, a tool) to stop.');
  return steps;
}

/**
 * The notification of a CloudTrail follow-up (`trigger` `follow-up`): `activity-after-revocation` (high) lists
 * the calls that succeeded after the deny and the keys used after it; `denied-attempts` (info) lists the refused
 * calls; `incomplete` (high) the lookups that failed. (`no-activity` is recorded, not notified.)
 */
export function followUpNotification(r: FollowUpReport): Notification {
  const who = [...new Set(r.accounts.flatMap((a) => a.principals.map((p) => p.split('/').pop() ?? p)))];
  const sections: Section[] = [
    {
      title: 'Checked',
      items: r.accounts.map(
        (a) =>
          `account ${a.accountId}: ${a.principals.join(', ') || '(Identity Center user)'}; revoked at ${a.revokedAt}, deny verified at ${a.denyAt}; ${a.lookups} lookups`,
      ),
    },
  ];
  if (r.activity.length) sections.push(eventSection('Calls that SUCCEEDED after the deny', r.activity));
  if (r.keysUsedAfter.length)
    sections.push({
      title: 'Access keys used after the revocation',
      items: r.keysUsedAfter.map(
        (k) =>
          `${k.accessKeyId} (account ${k.accountId}) last used ${k.lastUsedDate}${k.serviceName ? ` on ${k.serviceName}` : ''}${k.region ? ` in ${k.region}` : ''}`,
      ),
    });
  if (r.denied.length) sections.push(eventSection('Denied attempts, information only', r.denied));
  if (r.beforeDeny.length)
    sections.push(eventSection('Calls during the revocation, before the deny was verified', r.beforeDeny));
  if (r.failures.length)
    sections.push({
      title: 'Lookups that failed',
      items: r.failures.map(
        (f) => `account ${f.accountId}${f.region ? ` ${f.region}` : ''} ${f.lookup}: ${f.error}`,
      ),
    });
  sections.push({ title: 'Notes', items: r.notes });
  const accounts = [...new Set(r.accounts.map((a) => a.accountId))];
  return notification({
    kind: 'follow-up',
    headline: `Follow-up of ${listed(who) || `run ${r.runId}`}: ${HEADLINE[r.outcome]}`,
    summary: MEANING[r.outcome],
    runId: r.runId,
    ...(accounts.length === 1 ? { accountId: accounts[0] } : {}),
    facts: [
      ['run followed up', r.trigger],
      ['accounts', accounts.join(', ')],
      ['checked at', r.at],
    ],
    sections,
    nextSteps: nextSteps(r),
    keywords: ['follow-up', r.trigger],
    json: r,
    attributes: { trigger: 'follow-up', outcome: r.outcome, severity: r.severity },
  });
}
