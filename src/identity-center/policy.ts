import { isDeepStrictEqual } from 'node:util';
import {
  applyEdits,
  type Edit,
  findNodeAtLocation,
  getNodeValue,
  modify,
  type Node,
  type ParseError,
  parse,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { InlinePolicyError } from './errors';

/**
 * The one statement this project manages in a permission set's inline policy, edited as text (jsonc-parser) so
 * every other statement keeps its bytes: the ids are added or removed inside our statement, our statement is
 * appended after the last one (`,{...}` right after it) and removed by the exact inverse edit, so a policy
 * returns to its bytes once our statement leaves it. Pure: no I/O.
 */

/** The managed statement's `Sid`. */
export const MANAGED_SID = 'OffboardingRevokedUsers';
/** The condition key AWS documents for denying an Identity Center user's role sessions. */
export const USER_ID_CONDITION_KEY = 'identitystore:userId';
/**
 * PutInlinePolicyToPermissionSet's `InlinePolicy` length limit (IAM Identity Center API Reference: "Maximum
 * length of 32768"), counted in characters.
 */
export const INLINE_POLICY_MAX_CHARS = 32_768;

/** The managed statement denying every request of the given Identity Store user ids. */
export function managedStatement(ids: readonly string[]) {
  return {
    Sid: MANAGED_SID,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { [USER_ID_CONDITION_KEY]: [...ids] } },
  };
}

const isBlank = (text: string | null | undefined): text is null | undefined | '' => !text?.trim();

/** The policy's tree. @throws InlinePolicyError when it is not a JSON object. */
function treeOf(text: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length || !root || root.type !== 'object') {
    const why = errors.map((e) => `${printParseErrorCode(e.error)} at ${e.offset}`).join(', ');
    throw new InlinePolicyError(`the inline policy is not a JSON policy document${why ? ` (${why})` : ''}`);
  }
  return root;
}

const isManaged = (node: Node): boolean =>
  node.type === 'object' && findNodeAtLocation(node, ['Sid'])?.value === MANAGED_SID;

interface Located {
  readonly root: Node;
  /** `Statement`, when present. */
  readonly statement?: Node;
  /** The managed statement and its index in the `Statement` array (-1: `Statement` is the object itself). */
  readonly managed?: { readonly node: Node; readonly index: number };
}

function locate(text: string): Located {
  const root = treeOf(text);
  const statement = findNodeAtLocation(root, ['Statement']);
  if (!statement) return { root };
  if (statement.type === 'object') {
    return { root, statement, ...(isManaged(statement) ? { managed: { node: statement, index: -1 } } : {}) };
  }
  if (statement.type !== 'array')
    throw new InlinePolicyError('the inline policy has a Statement of another type');
  const index = (statement.children ?? []).findIndex(isManaged);
  const node = statement.children?.[index];
  return { root, statement, ...(node ? { managed: { node, index } } : {}) };
}

/** The ids a managed statement names (a string or a list under `StringEquals`). */
function idsOf(node: Node): string[] {
  const value: unknown = getNodeValue(node);
  const ids = (value as { Condition?: { StringEquals?: Record<string, unknown> } }).Condition?.StringEquals?.[
    USER_ID_CONDITION_KEY
  ];
  if (typeof ids === 'string') return [ids];
  return Array.isArray(ids) ? ids.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The Identity Store user ids the managed statement of a policy denies (none when there is no policy or no
 * managed statement). @throws InlinePolicyError when the policy is not JSON.
 */
export function revokedIdsIn(text: string | null | undefined): string[] {
  if (isBlank(text)) return [];
  const { managed } = locate(text);
  return managed ? idsOf(managed.node) : [];
}

const slice = (text: string, node: Node) => text.slice(node.offset, node.offset + node.length);

/** Replaces the managed statement's text by the canonical one naming `ids`. */
function replaceManaged(text: string, at: Located, ids: readonly string[]): string {
  const path = at.managed && at.managed.index >= 0 ? ['Statement', at.managed.index] : ['Statement'];
  return applyEdits(text, modify(text, path, managedStatement(ids), {}));
}

/**
 * The policy with `ids` added to the managed statement, the statement created (appended after the others) or
 * the whole policy created when there is none. Every other statement keeps its bytes; the text is returned
 * unchanged when every id is already there.
 * @example
 * addRevokedIds(null, ['id-1']); // '{"Version":"2012-10-17","Statement":[{"Sid":"OffboardingRevokedUsers",...}]}'
 * @throws InlinePolicyError when the policy is not JSON
 */
export function addRevokedIds(text: string | null | undefined, ids: readonly string[]): string {
  if (isBlank(text)) return JSON.stringify({ Version: '2012-10-17', Statement: [managedStatement(ids)] });
  const at = locate(text);
  if (at.managed) {
    const current = idsOf(at.managed.node);
    const added = ids.filter((id) => !current.includes(id));
    return added.length ? replaceManaged(text, at, [...current, ...added]) : text;
  }
  const statement = JSON.stringify(managedStatement(ids));
  if (!at.statement) return applyEdits(text, modify(text, ['Statement'], [managedStatement(ids)], {}));
  if (at.statement.type === 'object') {
    // A single statement object becomes a list: its own text kept, ours after it.
    const edit: Edit = {
      offset: at.statement.offset,
      length: at.statement.length,
      content: `[${slice(text, at.statement)},${statement}]`,
    };
    return applyEdits(text, [edit]);
  }
  return applyEdits(text, modify(text, ['Statement', -1], managedStatement(ids), { isArrayInsertion: true }));
}

/** The edit removing one element of an array: the exact inverse of an append right after its predecessor. */
function removeElement(array: Node, index: number): Edit {
  const items = array.children ?? [];
  const node = items[index] as Node;
  const before = items[index - 1];
  const after = items[index + 1];
  if (before)
    return {
      offset: before.offset + before.length,
      length: node.offset + node.length - (before.offset + before.length),
      content: '',
    };
  if (after) return { offset: node.offset, length: after.offset - node.offset, content: '' };
  return { offset: node.offset, length: node.length, content: '' };
}

/**
 * The policy with `ids` removed from the managed statement; the statement itself removed (the inverse of its
 * insertion) when no id is left. Other statements keep their bytes; unchanged text when none of `ids` is there.
 * @throws InlinePolicyError when the policy is not JSON
 */
export function removeRevokedIds(text: string | null | undefined, ids: readonly string[]): string | null {
  if (isBlank(text)) return text ?? null;
  const at = locate(text);
  if (!at.managed) return text;
  const current = idsOf(at.managed.node);
  const left = current.filter((id) => !ids.includes(id));
  if (left.length === current.length) return text;
  if (left.length) return replaceManaged(text, at, left);
  if (at.managed.index < 0) return applyEdits(text, modify(text, ['Statement'], [], {}));
  return applyEdits(text, [removeElement(at.statement as Node, at.managed.index)]);
}

/** True when a policy holds no statement at all (absent, or an empty `Statement`): nothing to keep. */
export function isEmptyPolicy(text: string | null | undefined): boolean {
  if (isBlank(text)) return true;
  const { statement } = locate(text);
  return !statement || (statement.type === 'array' && !(statement.children ?? []).length);
}

/** Two policies that say the same (parsed JSON equal), whatever their bytes; absent and blank are equal. */
export function samePolicy(a: string | null | undefined, b: string | null | undefined): boolean {
  if (isBlank(a) || isBlank(b)) return isBlank(a) && isBlank(b);
  return isDeepStrictEqual(statementList(parse(a)), statementList(parse(b)));
}

/** A policy with `Statement` as a list (IAM reads one statement object and a one-item list alike). */
function statementList(policy: unknown): unknown {
  if (!policy || typeof policy !== 'object' || Array.isArray(policy)) return policy;
  const p = policy as Record<string, unknown>;
  return 'Statement' in p && !Array.isArray(p.Statement) ? { ...p, Statement: [p.Statement] } : p;
}

/** True when the policy fits PutInlinePolicyToPermissionSet's length limit. */
export const fitsLimit = (text: string, limit = INLINE_POLICY_MAX_CHARS): boolean => text.length <= limit;
