import scheduled from '../../../events/key-sweep.json';
import enforce from '../../../events/key-sweep-enforce.json';
import { InvalidRequestError } from '../../../src/errors';
import { parseSweepInput } from '../../../src/sweep/input';

describe('Function: parseSweepInput', () => {
  it.each([
    ['no event', undefined, {}],
    ['a null event', null, {}],
    ['an empty object', {}, {}],
    ['the scheduled event sample', scheduled, {}],
    ['the enforce sample', enforce, { mode: 'enforce' }],
    ['report mode', { mode: 'report' }, { mode: 'report' }],
    ['a dry run request', { mode: 'enforce', dryRun: true }, { mode: 'enforce', dryRun: true }],
  ])('accepts %s', (_label, event, expected) => {
    expect(parseSweepInput(event)).toEqual(expected);
  });

  it.each([
    ['an unknown mode', { mode: 'delete' }, 'mode: Invalid option: expected one of "report"|"enforce"'],
    ['a numeric mode', { mode: 1 }, 'mode: Invalid option: expected one of "report"|"enforce"'],
    ['an unknown field', { mode: 'report', limit: 5 }, '(input): Unrecognized key: "limit"'],
    ['a string dryRun', { dryRun: 'true' }, 'dryRun: Invalid input: expected boolean, received string'],
    ['a bare string', 'enforce', '(input): Invalid input: expected object, received string'],
    ['an array', [{ mode: 'enforce' }], '(input): Invalid input: expected object, received array'],
    [
      'a mode added to a scheduled event',
      { ...scheduled, mode: 'enforce' },
      `mode: not read from a scheduled event; set the schedule target's input to { "mode": ... }`,
    ],
  ])('rejects %s, naming the problem', (_label, event, issue) => {
    let error: unknown;
    try {
      parseSweepInput(event);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).issues).toEqual([issue]);
  });
});
