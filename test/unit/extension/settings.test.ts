import { strict as assert } from 'node:assert';
import { readSettings } from '../../../src/extension/settings';

describe('readSettings', () => {
  const cases: Array<{ name: string; values: Record<string, unknown>; expected: Partial<Record<string, unknown>>; problems: RegExp[] }> = [
    { name: 'defaults when nothing is set', values: {}, expected: { samplingIntervalMs: 1000, historyMinutes: 15, agentEnabled: true, leakStartupSeconds: 60 }, problems: [] },
    { name: 'valid values', values: { 'sampling.intervalMs': 500, 'history.minutes': 60, 'agent.enabled': false }, expected: { samplingIntervalMs: 500, historyMinutes: 60, agentEnabled: false }, problems: [] },
    { name: 'too small is clamped', values: { 'sampling.intervalMs': 1 }, expected: { samplingIntervalMs: 250 }, problems: [/outside 250\.\.60000; using 250/] },
    { name: 'too large is clamped', values: { 'history.minutes': 1e9 }, expected: { historyMinutes: 1440 }, problems: [/using 1440/] },
    { name: 'a numeric string is accepted', values: { 'sampling.intervalMs': '2000' }, expected: { samplingIntervalMs: 2000 }, problems: [] },
    { name: 'nonsense falls back to the default', values: { 'sampling.intervalMs': 'fast', 'agent.enabled': 'yes' }, expected: { samplingIntervalMs: 1000, agentEnabled: true }, problems: [/"fast" is not a number/, /"yes" is not true or false/] },
    { name: 'NaN and null fall back', values: { 'sampling.intervalMs': NaN, 'history.minutes': null }, expected: { samplingIntervalMs: 1000, historyMinutes: 15 }, problems: [/not a number/, /not a number/] },
    { name: 'a negative leak start-up allowance is clamped to zero', values: { 'leaks.startupSeconds': -5 }, expected: { leakStartupSeconds: 0 }, problems: [/processVitals\.leaks\.startupSeconds: -5 is outside 0\.\.600; using 0/] },
    { name: 'the leak start-up allowance may be zero', values: { 'leaks.startupSeconds': 0 }, expected: { leakStartupSeconds: 0 }, problems: [] },
    { name: 'fractions of a millisecond are rounded', values: { 'sampling.intervalMs': 333.6 }, expected: { samplingIntervalMs: 334 }, problems: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { settings, problems } = readSettings((key) => c.values[key]);
      for (const [key, value] of Object.entries(c.expected)) assert.equal(settings[key as keyof typeof settings], value, key);
      assert.equal(problems.length, c.problems.length, problems.join('\n'));
      c.problems.forEach((re, i) => assert.match(problems[i], re));
    });
  }
});
