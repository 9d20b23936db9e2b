/**
 * Matches `value` against a glob where `*` is any run of characters and `?` one character, without case: the
 * globs name IAM principals, whose names IAM compares without case.
 */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()|{}[\]]/g, '\\$&')))
      .join('')}$`,
    'si',
  );
  return re.test(value);
}
