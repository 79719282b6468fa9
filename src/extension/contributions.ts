/**
 * Every command id, setting key, view id and context key the extension contributes, in one typed
 * place. package.json's `contributes` must agree with this module; a unit test checks both ways.
 */

/** The prefix of every id this extension contributes. */
export const PREFIX = 'processVitals';

/** Command ids. */
export const Commands = {
  openDashboard: 'processVitals.openDashboard',
  diagnoseLeaks: 'processVitals.diagnoseLeaks',
  watchProcess: 'processVitals.watchProcess',
  stopWatching: 'processVitals.stopWatching',
  pauseMonitoring: 'processVitals.pauseMonitoring',
  resumeMonitoring: 'processVitals.resumeMonitoring',
  refresh: 'processVitals.refresh',
  copyPid: 'processVitals.copyPid',
  terminate: 'processVitals.terminate',
  acknowledgeAlert: 'processVitals.acknowledgeAlert',
  resolveAlert: 'processVitals.resolveAlert',
  revealProcess: 'processVitals.revealProcess',
  takeHeapSnapshot: 'processVitals.takeHeapSnapshot',
  takeCpuProfile: 'processVitals.takeCpuProfile',
  whyIsItStillRunning: 'processVitals.whyIsItStillRunning',
  showLog: 'processVitals.showLog',
} as const;

/** A command id. */
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** View container and view ids. */
export const Views = {
  container: 'processVitals',
  processes: 'processVitals.processes',
  alerts: 'processVitals.alerts',
} as const;

/** Webview panel view types (package.json `onWebviewPanel:` activation events, serializers). */
export const WebviewPanels = {
  dashboard: 'processVitals.dashboard',
} as const;

/** Keys of values kept in workspaceState. */
export const WorkspaceStateKeys = {
  /** Series keys the user switched off in the dashboard. */
  dashboardHiddenSeries: 'processVitals.dashboard.hiddenSeries',
} as const;

/** Setting keys, relative to the `processVitals` section. */
export const Settings = {
  samplingIntervalMs: 'sampling.intervalMs',
  historyMinutes: 'history.minutes',
  agentEnabled: 'agent.enabled',
  diagnosisKeep: 'diagnosis.keep',
  leaksStartupSeconds: 'leaks.startupSeconds',
  alertsEnabled: 'alerts.enabled',
  alertsCpuPercent: 'alerts.cpuPercent',
  alertsMemoryMegabytes: 'alerts.memoryMegabytes',
  alertsHeapMegabytes: 'alerts.heapMegabytes',
  alertsEventLoopDelayMs: 'alerts.eventLoopDelayMs',
  alertsActiveHandles: 'alerts.activeHandles',
  alertsHttpErrorPercent: 'alerts.httpErrorPercent',
  alertsLeakConfidencePercent: 'alerts.leakConfidencePercent',
  alertsSustainSeconds: 'alerts.sustainSeconds',
  alertsCooldownMinutes: 'alerts.cooldownMinutes',
  alertsEscalateAfterMinutes: 'alerts.escalateAfterMinutes',
  alertsWebhookUrl: 'alerts.webhookUrl',
} as const;

/** A setting key relative to the `processVitals` section. */
export type SettingKey = (typeof Settings)[keyof typeof Settings];

/** Bounds and defaults of the numeric settings, shared by package.json's schema test and the reader. */
export const SettingBounds = {
  [Settings.samplingIntervalMs]: { default: 1000, minimum: 250, maximum: 60000 },
  [Settings.historyMinutes]: { default: 15, minimum: 1, maximum: 1440 },
  [Settings.diagnosisKeep]: { default: 3, minimum: 1, maximum: 50 },
  [Settings.leaksStartupSeconds]: { default: 60, minimum: 0, maximum: 600 },
} as const;

/** Context keys set with `setContext`, used in package.json `when` clauses. */
export const ContextKeys = {
  paused: 'processVitals.paused',
} as const;

/** The tree items' contextValue strings, used in package.json menus. */
export const TreeItemKinds = {
  origin: 'origin',
  process: 'process',
  watchedRoot: 'process.watchedRoot',
  orphan: 'process.orphan',
  message: 'message',
} as const;

/** The status bar item id (users can hide it by this id). */
export const STATUS_BAR_ITEM_ID = 'processVitals.status';
