import { cdkJsonContext, contextFlags } from '../../lib/config/context';

describe('the context the project commands read, as cdk synth does', () => {
  test('-c key=value and --context key=value are taken; other arguments are left for the command', () => {
    expect(contextFlags(['2', '-c', 'webTier=ecs', '--json', '--context', 'weight={"3":0}'])).toEqual({
      context: { webTier: 'ecs', weight: '{"3":0}' },
      rest: ['2', '--json'],
    });
  });

  test('a flag without key=value is named in the error', () => {
    expect(() => contextFlags(['-c', 'webTier'])).toThrow('-c takes key=value, got "webTier"');
    expect(() => contextFlags(['--context'])).toThrow('--context takes key=value, got ""');
  });

  test("cdk.json holds the feature flags and no configuration of ours: the defaults are the schema's", () => {
    const keys = Object.keys(cdkJsonContext());
    expect(keys.filter((k) => !k.startsWith('@aws-cdk'))).toEqual([]);
  });
});
