import { strict as assert } from 'node:assert';
import { readAlertSettings } from '../../../src/extension/alerts/alertSettings';
import { DEFAULT_THRESHOLDS } from '../../../src/monitor/alerts/AlertRules';
import { DEFAULT_TIMING } from '../../../src/monitor/alerts/AlertEngine';

describe('readAlertSettings', () => {
  it('gives the engine defaults when nothing is set', () => {
    const { settings, problems } = readAlertSettings(() => undefined);
    assert.deepEqual(problems, []);
    assert.equal(settings.enabled, true);
    assert.deepEqual(settings.thresholds, DEFAULT_THRESHOLDS);
    assert.deepEqual(settings.timing, DEFAULT_TIMING);
    assert.equal(settings.webhookUrl, undefined);
  });

  it('converts the user\'s units', () => {
    const values: Record<string, unknown> = { 'alerts.memoryMegabytes': 512, 'alerts.httpErrorPercent': 10, 'alerts.cooldownMinutes': 2, 'alerts.leakConfidencePercent': 99 };
    const { settings } = readAlertSettings((k) => values[k]);
    assert.equal(settings.thresholds.rssBytes, 512 * 1024 * 1024);
    assert.equal(settings.thresholds.httpErrorRatio, 0.1);
    assert.equal(settings.thresholds.leakConfidence, 0.99);
    assert.equal(settings.timing.cooldownSeconds, 120);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['alerts.cpuPercent', 'lots', /"lots" is not a number; using 90/],
    ['alerts.sustainSeconds', 0, /outside 1\.\.3600; using 1/],
    ['alerts.webhookUrl', 'ftp://x', /ftp: is not http: or https:; no webhook is called/],
    ['alerts.webhookUrl', 'hooks', /"hooks" is not a URL/],
    ['alerts.enabled', 'no', /"no" is not true or false/],
  ];
  for (const [key, value, message] of bad) {
    it(`reports ${key} = ${JSON.stringify(value)} once and keeps working`, () => {
      const { settings, problems } = readAlertSettings((k) => (k === key ? value : undefined));
      assert.equal(problems.length, 1);
      assert.match(problems[0], message);
      assert.ok(settings.thresholds.cpuPercent > 0);
    });
  }

  it('accepts an https webhook', () => {
    const { settings } = readAlertSettings((k) => (k === 'alerts.webhookUrl' ? ' https://hooks.example.test/x ' : undefined));
    assert.equal(settings.webhookUrl?.href, 'https://hooks.example.test/x');
  });
});
