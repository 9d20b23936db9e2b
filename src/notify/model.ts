import type { Caller, Severity } from '../engine';
import { safeSubject } from './text';

/** A label and its value, one line of the report's head (`account`, `run`, `requested by`...); empty ones are left out. */
export type Fact = readonly [label: string, value: string | undefined];

/** A titled list: one item per principal, step, key or error, each rendered on one line of its own. */
export interface Section {
  readonly title: string;
  readonly items: readonly string[];
}

/** A principal the report names, linked to its console page and its CloudTrail event history. */
export type Linked =
  | { readonly kind: 'user' | 'role'; readonly name: string; readonly arn: string }
  | { readonly kind: 'idc-user'; readonly userName: string };

/** The body of a restore request (docs/contract.md, "Lockdown and restore requests"), less the reason and caller. */
export interface RestoreBody {
  readonly target: Readonly<Record<string, string>>;
  readonly runId?: string;
  readonly accountId?: string;
}

/** What to do next: a sentence, or a sentence with the exact restore request (rendered as a command). */
export type NextStep = string | { readonly text: string; readonly restore: RestoreBody };

/** Message attributes, for subscription filter policies. */
export interface Attributes {
  readonly trigger: string;
  readonly outcome: string;
  readonly severity: Severity;
}

/**
 * One report, as a renderer of its kind builds it: what happened, where, what to look at and what to do next.
 * `render` (src/notify/render.ts) turns it into the email text and the chat message; `json` is the machine report.
 * Renderers stay pure (no config, no clock): the region, the console domain and the restore function's name come
 * from the render context when the report is published.
 */
export interface Notification {
  /** The report kind (`revocation`, `restore`, `sweep`...): the chat message's `eventType`. */
  readonly kind: string;
  /** `[offboarding] <headline>`, under 100 printable ASCII characters. */
  readonly subject: string;
  /** A sentence: what ran on whom and how it ended ("Lockdown of user alice: revoked"). */
  readonly headline: string;
  /** One or two sentences under the headline: what it means. */
  readonly summary: string;
  readonly runId?: string;
  /** The account the report is about (absent: the stack's own, or several: see the facts). */
  readonly accountId?: string;
  readonly facts: readonly Fact[];
  readonly sections: readonly Section[];
  readonly linked: readonly Linked[];
  readonly nextSteps: readonly NextStep[];
  /** Chat keywords besides the trigger, outcome and severity. */
  readonly keywords: readonly string[];
  readonly json: unknown;
  readonly attributes: Attributes;
}

/** What a renderer gives; `notification` adds the subject. */
export type NotificationParts = Omit<Notification, 'subject' | 'keywords' | 'linked' | 'nextSteps'> &
  Partial<Pick<Notification, 'keywords' | 'linked' | 'nextSteps'>>;

/**
 * Builds a notification from a renderer's parts: the subject is the headline behind `[offboarding]`.
 * @example
 * notification({ kind: 'sweep', headline: 'Key sweep failed: nothing was swept', summary, facts, sections, json, attributes });
 */
export function notification(parts: NotificationParts): Notification {
  return {
    keywords: [],
    linked: [],
    nextSteps: [],
    ...parts,
    subject: subjectOf(parts.headline),
  };
}

const PREFIX = '[offboarding] ';

/**
 * `[offboarding] <headline>` under 100 characters; a longer headline is cut before its last `: ` so that the
 * outcome it ends with stays in the subject (`[offboarding] Lockdown of user a-very-long-na...: revoked`).
 */
export function subjectOf(headline: string): string {
  const full = safeSubject(PREFIX + headline);
  const at = headline.lastIndexOf(': ');
  if ((PREFIX + headline).length < 100 || at < 0) return full;
  const tail = headline.slice(at);
  const room = 99 - PREFIX.length - tail.length - 3;
  return room < 20 ? full : safeSubject(`${PREFIX}${headline.slice(0, room).trimEnd()}...${tail}`);
}

/** A principal's kind and name as a sentence reads it: `user alice`, `role deployer`. */
export const named = (p: { readonly kind: string; readonly name: string }) => `${p.kind} ${p.name}`;

/** `1 user`, `2 users`. */
export const count = (n: number, noun: string, plural = `${noun}s`) => `${n} ${n === 1 ? noun : plural}`;

/** `alice`, `alice and bob`, `alice, bob and 3 more`. */
export function listed(items: readonly string[], max = 2): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length <= max) return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The account in an ARN (`arn:aws:iam::123456789012:user/x`), if any. */
export const accountOfArn = (arn: string | undefined) =>
  /^arn:[\w-]+:[\w-]*:[\w-]*:(\d{12}):/.exec(arn ?? '')?.[1];

/** What a dry run adds to a headline. */
export const dry = (dryRun: boolean) => (dryRun ? ' (dry run)' : '');

/** Capitalized first letter: headlines are sentences. */
export const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The verified caller's ARN (the IAM-authorized routes), for the facts. */
export const callerArn = (c: Caller | undefined) => (c?.verified ? c.arn : undefined);
