/** The strict argument parser: everything unexpected is a usage error. */
import { parseArgs } from './args.ts';
import { KeywardError } from '../core/index.ts';

const SPEC = {
  positionals: ['FILE'],
  flags: {
    key: { type: 'string', required: true },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const parse = (...argv: string[]) => parseArgs(SPEC, argv, 'Usage: test');

function usageMessage(argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardError);
    const usageError = error as KeywardError;
    expect(usageError.code).toBe('USAGE');
    expect(usageError.details.usage).toBe('Usage: test');
    return usageError.details.reason ?? '';
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

describe('parseArgs', () => {
  it('reads positionals, string and boolean options in any order', () => {
    expect(parse('--key', 'k.pem', 'in.keyward', '--force')).toEqual({
      help: false,
      positionals: { FILE: 'in.keyward' },
      more: [],
      flags: { key: 'k.pem', out: undefined, force: true },
    });
    expect(parse('in', '--key=k=1.pem', '--out=')).toMatchObject({ flags: { key: 'k=1.pem', out: '', force: false } });
  });

  it('takes everything after -- as positional, and - as a positional', () => {
    expect(parse('--key', 'k', '--', '--weird-name').positionals).toEqual({ FILE: '--weird-name' });
    expect(parse('--key', 'k', '-').positionals).toEqual({ FILE: '-' });
  });

  it('lets --help and -h win over every other problem', () => {
    expect(parse('--bogus', '--help').help).toBe(true);
    expect(parse('-h').help).toBe(true);
    // ...but not after --, where it is a file name.
    expect(usageMessage(['--key', 'k', 'a', '--', '--help'])).toMatch(/unexpected argument/);
  });

  it.each([
    [['in'], /missing --key/],
    [['--key', 'k'], /missing FILE/],
    [['in', 'extra', '--key', 'k'], /unexpected argument "extra"/],
    [['in', '--key'], /--key needs a value/],
    [['in', '--key', '--force'], /--key needs a value/],
    [['in', '--key', 'a', '--key', 'b'], /--key is given twice/],
    [['in', '--key', 'k', '--force', '--force'], /--force is given twice/],
    [['in', '--key', 'k', '--force=1'], /--force takes no value/],
    [['in', '--key', 'k', '--verbose'], /unknown option --verbose/],
    [['in', '--key', 'k', '-f'], /unknown option -f/],
    [['in', '--key', 'k', '--toString'], /unknown option --toString/],
    [['in', '--key', 'k', '--__proto__'], /unknown option --__proto__/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(usageMessage(argv)).toMatch(message);
  });
});

describe('parseArgs with a variadic last positional', () => {
  const VARIADIC = { positionals: ['SUB', 'BLOB'], variadic: true, flags: { key: { type: 'string', required: true } } } as const;
  const parseMany = (...argv: string[]) => parseArgs(VARIADIC, argv, 'Usage: many');

  it('takes one or more values for the last positional, in order, options anywhere', () => {
    expect(parseMany('check', 'a.json', '--key', 'k')).toMatchObject({ positionals: { SUB: 'check', BLOB: 'a.json' }, more: [] });
    expect(parseMany('check', 'a.json', '--key', 'k', 'b.json', '--', '-c.json')).toMatchObject({ positionals: { BLOB: 'a.json' }, more: ['b.json', '-c.json'] });
  });

  it('still needs one value', () => {
    expect(() => parseMany('check', '--key', 'k')).toThrow(KeywardError);
  });

  it('leaves fixed commands refusing extra arguments', () => {
    expect(usageMessage(['in', 'extra', '--key', 'k'])).toMatch(/unexpected argument "extra"/);
    expect(parse('in', '--key', 'k').more).toEqual([]);
  });
});

describe('parseArgs with a repeatable option', () => {
  const LIST = { positionals: [], flags: { member: { type: 'list', required: true }, key: { type: 'list' }, out: { type: 'string' } } } as const;
  const parseList = (...argv: string[]) => parseArgs(LIST, argv, 'Usage: list');

  it('collects every value in the order given, in both spellings', () => {
    expect(parseList('--member', 'a', '--out', 'o', '--member=b', '--member', 'c').flags).toEqual({ member: ['a', 'b', 'c'], key: [], out: 'o' });
  });

  it('needs a required list at least once, and a value each time', () => {
    expect(() => parseList('--key', 'k')).toThrow(/Missing --member/);
    expect(() => parseList('--member', 'a', '--member')).toThrow(/--member needs a value/);
    // A plain string option still refuses a second value.
    expect(() => parseList('--member', 'a', '--out', 'x', '--out', 'y')).toThrow(/--out is given twice/);
  });
});
