/**
 * Alert settings as users type them (percent, megabytes, minutes) turned into the engine's units,
 * with the same validate-and-report treatment as every other setting. Pure: no vscode import.
 */
import { DEFAULT_THRESHOLDS, type AlertThresholds } from '../../monitor/alerts/AlertRules';
import { DEFAULT_TIMING, type AlertTiming } from '../../monitor/alerts/AlertEngine';
import { validateWebhookUrl } from '../../monitor/alerts/WebhookChannel';

/** Setting keys of the alerts, relative to `processVitals`, with defaults and bounds in the user's units. */
export const ALERT_SETTINGS = {
  'alerts.cpuPercent': { default: DEFAULT_THRESHOLDS.cpuPercent, minimum: 0, maximum: 6400 },
  'alerts.memoryMegabytes': { default: DEFAULT_THRESHOLDS.rssBytes / 1024 ** 2, minimum: 0, maximum: 1048576 },
  'alerts.heapMegabytes': { default: DEFAULT_THRESHOLDS.heapUsedBytes / 1024 ** 2, minimum: 0, maximum: 1048576 },
  'alerts.eventLoopDelayMs': { default: DEFAULT_THRESHOLDS.eventLoopDelayP99Ms, minimum: 0, maximum: 60000 },
  'alerts.activeHandles': { default: DEFAULT_THRESHOLDS.activeHandles, minimum: 0, maximum: 10000000 },
  'alerts.httpErrorPercent': { default: DEFAULT_THRESHOLDS.httpErrorRatio * 100, minimum: 0, maximum: 100 },
  'alerts.leakConfidencePercent': { default: DEFAULT_THRESHOLDS.leakConfidence * 100, minimum: 0, maximum: 100 },
  'alerts.sustainSeconds': { default: DEFAULT_TIMING.sustainSeconds, minimum: 1, maximum: 3600 },
  'alerts.cooldownMinutes': { default: DEFAULT_TIMING.cooldownSeconds / 60, minimum: 0, maximum: 1440 },
  'alerts.escalateAfterMinutes': { default: DEFAULT_TIMING.escalateAfterSeconds / 60, minimum: 1, maximum: 1440 },
} as const;

/** A numeric alert setting key. */
export type AlertSettingKey = keyof typeof ALERT_SETTINGS;

/** The other alert settings. */
export const ALERT_ENABLED_KEY = 'alerts.enabled';
export const ALERT_WEBHOOK_KEY = 'alerts.webhookUrl';

/** Validated alert settings in the engine's units. */
export interface AlertSettings {
  readonly enabled: boolean;
  readonly thresholds: AlertThresholds;
  readonly timing: AlertTiming;
  /** Absent when no webhook is set (the default) or the URL is unusable. */
  readonly webhookUrl?: URL;
}

/** Reads the alert settings through a getter; problems come back as one line each. */
export function readAlertSettings(get: (key: string) => unknown): { settings: AlertSettings; problems: string[] } {
  const problems: string[] = [];
  const number = (key: AlertSettingKey): number => {
    const { default: fallback, minimum, maximum } = ALERT_SETTINGS[key];
    const raw = get(key);
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (raw === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`processVitals.${key}: ${JSON.stringify(raw)} is not a number; using ${fallback}`);
      return fallback;
    }
    if (value < minimum || value > maximum) {
      const clamped = Math.min(maximum, Math.max(minimum, value));
      problems.push(`processVitals.${key}: ${value} is outside ${minimum}..${maximum}; using ${clamped}`);
      return clamped;
    }
    return value;
  };
  const enabledRaw = get(ALERT_ENABLED_KEY);
  if (enabledRaw !== undefined && typeof enabledRaw !== 'boolean') problems.push(`processVitals.${ALERT_ENABLED_KEY}: ${JSON.stringify(enabledRaw)} is not true or false; using true`);
  let webhookUrl: URL | undefined;
  const webhookRaw = get(ALERT_WEBHOOK_KEY);
  if (typeof webhookRaw === 'string' && webhookRaw.trim() !== '') {
    const checked = validateWebhookUrl(webhookRaw.trim());
    if ('url' in checked) webhookUrl = checked.url;
    else problems.push(`processVitals.${ALERT_WEBHOOK_KEY}: ${checked.error}; no webhook is called`);
  }
  const mb = 1024 ** 2;
  return {
    settings: {
      enabled: typeof enabledRaw === 'boolean' ? enabledRaw : true,
      thresholds: {
        cpuPercent: number('alerts.cpuPercent'),
        rssBytes: number('alerts.memoryMegabytes') * mb,
        heapUsedBytes: number('alerts.heapMegabytes') * mb,
        eventLoopDelayP99Ms: number('alerts.eventLoopDelayMs'),
        activeHandles: number('alerts.activeHandles'),
        httpErrorRatio: number('alerts.httpErrorPercent') / 100,
        httpMinRequests: DEFAULT_THRESHOLDS.httpMinRequests,
        leakConfidence: number('alerts.leakConfidencePercent') / 100,
      },
      timing: {
        sustainSeconds: number('alerts.sustainSeconds'),
        cooldownSeconds: number('alerts.cooldownMinutes') * 60,
        escalateAfterSeconds: number('alerts.escalateAfterMinutes') * 60,
      },
      webhookUrl,
    },
    problems,
  };
}
