/**
 * IAM's case rules, in one place. IAM user and role names are unique without case (`Alice` and `alice` cannot
 * coexist; the APIs find the user whatever the request's case and answer with the stored name), and tag keys
 * on users and roles are case-insensitive too (case kept); tag values are case-sensitive.
 */

/** The value of a tag key, matched without case as IAM does. */
export function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  if (Object.hasOwn(tags, key)) return tags[key];
  const wanted = key.toLowerCase();
  const found = Object.keys(tags).find((k) => k.toLowerCase() === wanted);
  return found === undefined ? undefined : tags[found];
}

/** The tags whose keys are among `keys`, matched without case (keys as the principal stores them). */
export function tagsWithKeys(
  tags: Readonly<Record<string, string>>,
  keys: readonly string[],
): Record<string, string> {
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  return Object.fromEntries(Object.entries(tags).filter(([k]) => wanted.has(k.toLowerCase())));
}

/** True when two IAM names are the same principal (IAM compares names without case). */
export const sameIamName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
