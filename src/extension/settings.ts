/**
 * Reads the extension's settings and makes them safe: a value a user typed that is of the wrong type
 * or out of bounds is replaced (default or nearest bound) and reported once, never trusted.
 * Pure: the caller passes the configuration's `get`, so this is unit-tested without VS Code.
 */
import { SettingBounds, Settings, type SettingKey } from './contributions';

/** The validated settings. */
export interface ProcessVitalsSettings {
  readonly samplingIntervalMs: number;
  readonly historyMinutes: number;
  readonly agentEnabled: boolean;
  /** Diagnose Leaks runs kept in storage. */
  readonly diagnosisKeep: number;
  /** Seconds after a process starts in which growth since its start counts as warm-up. */
  readonly leakStartupSeconds: number;
}

/** Settings plus what had to be corrected, for one log line each. */
export interface SettingsReadResult {
  readonly settings: ProcessVitalsSettings;
  readonly problems: string[];
}

/** Reads and validates every setting through a configuration getter (keys relative to `processVitals`). */
export function readSettings(get: (key: SettingKey) => unknown): SettingsReadResult {
  const problems: string[] = [];
  const number = (key: keyof typeof SettingBounds): number => {
    const bounds = SettingBounds[key];
    const raw = get(key);
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      if (raw !== undefined) problems.push(`processVitals.${key}: ${JSON.stringify(raw)} is not a number; using ${bounds.default}`);
      return bounds.default;
    }
    if (value < bounds.minimum || value > bounds.maximum) {
      const clamped = Math.min(bounds.maximum, Math.max(bounds.minimum, value));
      problems.push(`processVitals.${key}: ${value} is outside ${bounds.minimum}..${bounds.maximum}; using ${clamped}`);
      return clamped;
    }
    return value;
  };
  const boolean = (key: SettingKey, fallback: boolean): boolean => {
    const raw = get(key);
    if (typeof raw === 'boolean') return raw;
    if (raw !== undefined) problems.push(`processVitals.${key}: ${JSON.stringify(raw)} is not true or false; using ${fallback}`);
    return fallback;
  };
  return {
    settings: {
      samplingIntervalMs: Math.round(number(Settings.samplingIntervalMs)),
      historyMinutes: number(Settings.historyMinutes),
      agentEnabled: boolean(Settings.agentEnabled, true),
      diagnosisKeep: Math.round(number(Settings.diagnosisKeep)),
      leakStartupSeconds: number(Settings.leaksStartupSeconds),
    },
    problems,
  };
}
