/**
 * The dashboard page: toolbar, system strip, series toggles, one chart card per chart id, the
 * process table and the insight panels. Applies validated host messages to the store and redraws
 * at most once per animation frame; charts scrolled out of view are redrawn when they scroll in.
 */
import { ChartCard } from './ChartCard';
import { DashboardStore } from './DashboardStore';
import { AlertsPanel, HandleInventoryPanel, LeakVerdictPanel, SystemStrip } from './InsightPanels';
import { ProcessTable } from './ProcessTable';
import { PROTOCOL_VERSION, TIME_RANGE_LABELS, TIME_RANGES, type DashboardViewState, type TimeRange, type ToHostMessage, type ToWebviewMessage } from './protocol';
import { observeThemeChanges, readChartTheme, type ChartTheme } from './themeColors';

/** The performance measure of each redraw (bench/dashboardRender.bench.ts observes it). */
export const RENDER_MEASURE = 'processVitals.render';
/** The performance measure of validating and applying one host message. */
export const RECEIVE_MEASURE = 'processVitals.receive';

type Post = (message: ToHostMessage) => void;

/** The whole page. */
export class DashboardView {
  private readonly store = new DashboardStore();
  private theme: ChartTheme;
  private readonly charts = new Map<string, ChartCard>();
  private readonly chartGrid: HTMLElement;
  private readonly toggles: HTMLElement;
  private readonly focusLabel: HTMLElement;
  private readonly showAllButton: HTMLElement;
  private readonly pauseButton: HTMLElement;
  private readonly rangeSelect: HTMLElement & { value: string };
  private readonly table: ProcessTable;
  private readonly system: SystemStrip;
  private readonly alerts: AlertsPanel;
  private readonly verdicts: LeakVerdictPanel;
  private readonly handles: HandleInventoryPanel;
  private readonly visibility: IntersectionObserver;
  private readonly stopThemeObserver: () => void;
  private frame: number | undefined;
  /** Work to do at the next frame. */
  private pending = { structure: false, data: false, panels: false };
  private toggleKeys = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly post: Post,
    private readonly saveState: (state: DashboardViewState) => void,
    restored: DashboardViewState | undefined,
  ) {
    if (restored) this.store.state = restored;
    this.theme = readChartTheme();
    const toolbar = document.createElement('header');
    toolbar.className = 'pv-toolbar';
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', 'Dashboard controls');
    const title = document.createElement('h1');
    title.textContent = 'Process Vitals';
    this.focusLabel = document.createElement('span');
    this.focusLabel.className = 'pv-focus';
    this.focusLabel.setAttribute('aria-live', 'polite');
    this.showAllButton = this.button('All Processes', 'list-flat', () => this.setFocus(null));
    this.rangeSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
    this.rangeSelect.setAttribute('aria-label', 'Time range');
    this.rangeSelect.className = 'pv-range';
    for (const range of TIME_RANGES) {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', range);
      option.textContent = TIME_RANGE_LABELS[range];
      if (range === this.store.state.range) option.setAttribute('selected', '');
      this.rangeSelect.append(option);
    }
    this.rangeSelect.addEventListener('change', () => {
      const range = this.rangeSelect.value as TimeRange;
      if (!TIME_RANGES.includes(range) || range === this.store.state.range) return;
      this.updateState({ range });
      this.post({ v: PROTOCOL_VERSION, type: 'setRange', range });
    });
    this.pauseButton = this.button('Pause', 'debug-pause', () => this.togglePause());
    const spacer = document.createElement('span');
    spacer.className = 'pv-spacer';
    toolbar.append(
      title,
      this.focusLabel,
      this.showAllButton,
      spacer,
      this.rangeSelect,
      this.pauseButton,
      this.button('Export CSV', 'table', () => this.post({ v: PROTOCOL_VERSION, type: 'export', format: 'csv' })),
      this.button('Export Recording', 'record', () => this.post({ v: PROTOCOL_VERSION, type: 'export', format: 'recording' })),
    );

    this.system = new SystemStrip(this.store);
    this.toggles = document.createElement('fieldset');
    this.toggles.className = 'pv-toggles';
    this.chartGrid = document.createElement('div');
    this.chartGrid.className = 'pv-charts';
    this.chartGrid.setAttribute('aria-label', 'Charts');
    this.chartGrid.setAttribute('role', 'region');
    this.table = new ProcessTable(this.store, (key) => this.colorOf(key), (key) => this.setFocus(key));
    this.alerts = new AlertsPanel(this.store, post);
    this.verdicts = new LeakVerdictPanel(this.store, post);
    this.handles = new HandleInventoryPanel(this.store, post);
    const panels = document.createElement('div');
    panels.className = 'pv-panels';
    panels.append(this.alerts.element, this.verdicts.element, this.handles.element);

    root.replaceChildren(toolbar, this.system.element, this.toggles, this.chartGrid, this.table.element, panels);

    this.visibility = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = this.charts.get((entry.target as HTMLElement).dataset.chart ?? '');
        if (!card) continue;
        card.onScreen = entry.isIntersecting;
        if (card.onScreen && card.dirty) this.schedule({ data: true });
      }
    });
    this.stopThemeObserver = observeThemeChanges(() => {
      this.theme = readChartTheme();
      for (const card of this.charts.values()) card.applyTheme(this.theme);
      this.table.recolor();
      this.schedule({ structure: true, data: true });
    });
    this.updateToolbar();
  }

  /** Applies one validated host message. */
  receive(message: ToWebviewMessage): void {
    switch (message.type) {
      case 'hydrate':
        this.store.hydrate(message);
        this.root.setAttribute('aria-busy', 'false');
        this.saveState(this.store.state);
        this.schedule({ structure: true, data: true, panels: true });
        return;
      case 'tick': {
        if (this.store.state.paused || !this.store.hydrated) return;
        const effect = this.store.applyTick(message);
        this.schedule({ structure: effect.structureChanged, data: true, panels: effect.structureChanged });
        return;
      }
      case 'system':
        this.store.system = message.system;
        this.system.update();
        return;
      case 'alerts':
        this.store.alerts = message.alerts;
        this.schedule({ panels: true });
        return;
      case 'leakVerdicts':
        this.store.verdicts = message.verdicts;
        this.schedule({ panels: true, data: true });
        return;
      case 'markers':
        this.store.applyMarkers(message);
        this.schedule({ data: true });
        return;
      case 'handleInventory':
        this.store.inventories.set(message.processKey, message);
        this.store.inventoryStatus.delete(message.processKey);
        this.schedule({ panels: true });
        return;
      case 'handleInventoryStatus':
        this.store.inventoryStatus.set(message.processKey, { state: message.state, message: message.message });
        this.schedule({ panels: true });
        return;
    }
  }

  private schedule(work: Partial<DashboardView['pending']>): void {
    this.pending.structure ||= work.structure ?? false;
    this.pending.data ||= work.data ?? false;
    this.pending.panels ||= work.panels ?? false;
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = undefined;
    const started = performance.now();
    const { structure, data, panels } = this.pending;
    this.pending = { structure: false, data: false, panels: false };
    if (structure) {
      this.syncCharts();
      this.syncToggles();
      this.updateToolbar();
    }
    if (data || structure) {
      let points = 0;
      for (const card of this.charts.values()) points += card.render();
      this.chartGrid.dataset.points = String(points);
      this.table.update(structure);
    }
    if (panels) {
      this.alerts.update();
      this.verdicts.update();
      this.handles.update();
    }
    // One measure per update, cleared at once: the observer still sees it, the timeline stays empty.
    // Its detail counts the charts' redraws by path so far (the bench and the e2e check read it).
    const redraws = { live: 0, full: 0 };
    for (const card of this.charts.values()) {
      redraws.live += card.live.counts.live;
      redraws.full += card.live.counts.full;
    }
    performance.measure(RENDER_MEASURE, { start: started, end: performance.now(), detail: redraws });
    performance.clearMeasures(RENDER_MEASURE);
  }

  private syncCharts(): void {
    const ids = this.store.chartIds();
    for (const [id, card] of this.charts) {
      if (!ids.includes(id)) {
        this.visibility.unobserve(card.element);
        card.dispose();
        this.charts.delete(id);
      }
    }
    for (const id of ids) {
      const title = this.store.seriesOfChart(id)[0]?.chartTitle ?? id;
      let card = this.charts.get(id);
      if (!card) {
        card = new ChartCard(id, title, this.store, this.theme, (chartTitle, dataUrl) => this.post({ v: PROTOCOL_VERSION, type: 'savePng', chartTitle, dataUrl }));
        this.charts.set(id, card);
        this.visibility.observe(card.element);
      }
      this.chartGrid.append(card.element); // keeps catalog order
    }
  }

  private syncToggles(): void {
    const keys = this.store.catalog.map((d) => d.key).join('\n');
    const hidden = new Set(this.store.state.hiddenSeries);
    if (keys === this.toggleKeys) {
      for (const box of this.toggles.querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')) box.checked = !hidden.has(box.dataset.series ?? '');
      return;
    }
    this.toggleKeys = keys;
    const legend = document.createElement('legend');
    legend.textContent = 'Series';
    const boxes = this.store.catalog.map((d) => {
      const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
      box.dataset.series = d.key;
      box.setAttribute('label', d.label);
      box.checked = !hidden.has(d.key);
      box.addEventListener('change', () => this.toggleSeries(d.key, box.checked));
      return box;
    });
    this.toggles.replaceChildren(legend, ...boxes);
  }

  private toggleSeries(key: string, visible: boolean): void {
    const hidden = new Set(this.store.state.hiddenSeries);
    if (visible) hidden.delete(key);
    else hidden.add(key);
    this.updateState({ hiddenSeries: [...hidden] });
    this.post({ v: PROTOCOL_VERSION, type: 'toggleSeries', seriesKey: key, visible });
    this.store.structureVersion++;
    this.schedule({ structure: true, data: true });
  }

  private setFocus(key: string | null): void {
    if (key === this.store.state.focusKey) return;
    this.updateState({ focusKey: key });
    this.post({ v: PROTOCOL_VERSION, type: 'focus', processKey: key });
    this.store.structureVersion++;
    this.schedule({ structure: true, data: true, panels: true });
  }

  private togglePause(): void {
    const paused = !this.store.state.paused;
    this.updateState({ paused });
    this.post({ v: PROTOCOL_VERSION, type: 'setPaused', paused });
    this.updateToolbar();
  }

  private updateState(change: Partial<DashboardViewState>): void {
    this.store.state = { ...this.store.state, ...change };
    this.saveState(this.store.state);
  }

  private updateToolbar(): void {
    const focus = this.store.state.focusKey;
    const row = focus ? this.store.rows.get(focus) : undefined;
    this.focusLabel.textContent = focus === null ? 'All processes' : row ? `${row.name} · PID ${row.pid}` : 'Process ended';
    this.showAllButton.hidden = focus === null;
    const paused = this.store.state.paused;
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('icon', paused ? 'debug-continue' : 'debug-pause');
    this.pauseButton.setAttribute('aria-pressed', String(paused));
    if (this.rangeSelect.value !== this.store.state.range) this.rangeSelect.value = this.store.state.range;
    this.root.classList.toggle('pv-paused', paused);
  }

  private colorOf(processKey: string): string {
    const first = this.charts.values().next().value as ChartCard | undefined;
    if (first) return first.colorOfProcess(processKey);
    const keys = [...this.store.rows.keys()];
    return this.theme.palette[Math.max(0, keys.indexOf(processKey)) % this.theme.palette.length]!;
  }

  private button(label: string, icon: string, onClick: () => void): HTMLElement {
    const button = document.createElement('vscode-button');
    button.textContent = label;
    button.setAttribute('icon', icon);
    button.setAttribute('secondary', '');
    button.addEventListener('click', onClick);
    return button;
  }

  dispose(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.visibility.disconnect();
    this.stopThemeObserver();
    for (const card of this.charts.values()) card.dispose();
    this.charts.clear();
  }
}
