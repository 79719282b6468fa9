/**
 * The process table (vscode-table from @vscode-elements): sortable by any column (a button in each
 * header, so it works from the keyboard), filterable by text, and selecting a row focuses the
 * charts on that process. Cells are updated in place each tick; rows are re-ordered only when the
 * order actually changed, so a keyboard user's focus does not jump.
 */
import type { DashboardStore } from './DashboardStore';
import { formatValue } from './formatValue';
import type { LeakVerdictItem, ProcessRow } from './protocol';

/** One column: what it shows and how it sorts. Agent-only columns are blank when unknown. */
interface Column {
  readonly id: string;
  readonly title: string;
  readonly numeric: boolean;
  text(row: ProcessRow, store: DashboardStore): string;
  sortValue(row: ProcessRow, store: DashboardStore): number | string;
}

const latestOf = (store: DashboardStore, row: ProcessRow, key: string) => store.latest.get(row.key)?.get(key);

function seriesColumn(id: string, title: string, seriesKey: string): Column {
  return {
    id,
    title,
    numeric: true,
    text: (row, store) => formatValue(latestOf(store, row, seriesKey), store.descriptor(seriesKey)?.unit ?? 'count'),
    sortValue: (row, store) => latestOf(store, row, seriesKey) ?? Number.NEGATIVE_INFINITY,
  };
}

function verdictOf(store: DashboardStore, row: ProcessRow): LeakVerdictItem | undefined {
  return store.verdicts.find((v) => v.processKey === row.key);
}

const COLUMNS: readonly Column[] = [
  { id: 'process', title: 'Process', numeric: false, text: (r) => r.command || r.name, sortValue: (r) => (r.command || r.name).toLowerCase() },
  { id: 'origin', title: 'Origin', numeric: false, text: (r) => r.origin ?? '', sortValue: (r) => (r.origin ?? '').toLowerCase() },
  { id: 'pid', title: 'PID', numeric: true, text: (r) => String(r.pid), sortValue: (r) => r.pid },
  seriesColumn('cpu', 'CPU', 'cpuPercent'),
  seriesColumn('memory', 'Memory', 'rssBytes'),
  seriesColumn('heap', 'Heap', 'heapUsedBytes'),
  seriesColumn('eld', 'Loop delay', 'eventLoopDelayP99Ms'),
  seriesColumn('handles', 'Handles', 'activeHandles'),
  {
    id: 'verdict',
    title: 'Verdict',
    numeric: false,
    text: (r, store) => {
      const v = verdictOf(store, r);
      return v ? `${v.kind} leak ${formatValue(v.ratePerSecond, v.kind === 'handles' ? 'perSecond' : 'bytes')}${v.kind === 'handles' ? '' : '/s'}` : '';
    },
    sortValue: (r, store) => verdictOf(store, r)?.confidence ?? -1,
  },
];

/** Column widths, in COLUMNS order; dashboard.css gives body cells the same (.pv-col-<id>). */
const COLUMN_WIDTHS = ['28%', '15%', '7%', '7%', '9%', '9%', '10%', '7%', '8%'];

interface RowView {
  readonly element: HTMLElement;
  /**
   * Each cell's one text node, rewritten through `data`: replacing a cell's textContent swaps its
   * child node, a childList mutation that every chart's detach observer (chart.js watches the whole
   * document for its canvas being removed) must inspect, 60 cells x 6 charts every second.
   */
  readonly cells: Text[];
  /** What each cell shows, so unchanged cells are not touched (reading textContent costs too). */
  readonly texts: string[];
  readonly swatch: HTMLElement;
}

/** The table and its filter field. */
export class ProcessTable {
  readonly element: HTMLElement;
  private readonly table: HTMLElement;
  private readonly body: HTMLElement;
  private readonly headerCells: HTMLElement[] = [];
  private readonly filterField: HTMLElement & { value: string };
  private readonly count: HTMLElement;
  private readonly rows = new Map<string, RowView>();
  // PID order by default: a table re-sorted by CPU every second jumps under the pointer.
  private sortColumn = 'pid';
  private sortDescending = false;
  private filter = '';
  private order: string[] = [];

  constructor(
    private readonly store: DashboardStore,
    private readonly colorOf: (processKey: string) => string,
    private readonly onSelect: (processKey: string | null) => void,
  ) {
    this.element = document.createElement('section');
    this.element.className = 'pv-table-section';
    this.element.setAttribute('aria-labelledby', 'pv-table-heading');
    const toolbar = document.createElement('div');
    toolbar.className = 'pv-table-toolbar';
    const heading = document.createElement('h2');
    heading.id = 'pv-table-heading';
    heading.textContent = 'Processes';
    this.count = document.createElement('span');
    this.count.className = 'pv-muted';
    this.filterField = document.createElement('vscode-textfield') as HTMLElement & { value: string };
    this.filterField.setAttribute('placeholder', 'Filter by name, command, PID or origin');
    this.filterField.setAttribute('aria-label', 'Filter processes');
    this.filterField.className = 'pv-filter';
    this.filterField.addEventListener('input', () => {
      this.filter = String(this.filterField.value ?? '').trim().toLowerCase();
      this.update(true);
    });
    toolbar.append(heading, this.count, this.filterField);

    this.table = document.createElement('vscode-table');
    this.table.setAttribute('zebra', '');
    this.table.setAttribute('bordered-rows', '');
    this.table.setAttribute('aria-label', 'Watched processes');
    // vscode-table sizes only the first body row; rows are re-ordered here, so every cell carries
    // its column's width (dashboard.css, the same percentages) and columns are not resizable.
    this.table.setAttribute('columns', JSON.stringify(COLUMN_WIDTHS));
    const header = document.createElement('vscode-table-header');
    header.setAttribute('slot', 'header');
    for (const column of COLUMNS) {
      const cell = document.createElement('vscode-table-header-cell');
      if (column.numeric) cell.className = 'pv-numeric';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'pv-sort';
      button.dataset.column = column.id;
      button.textContent = column.title;
      button.title = `Sort by ${column.id === 'eld' ? 'event-loop delay (p99)' : column.title.toLowerCase()}`;
      button.addEventListener('click', () => this.sortBy(column.id));
      cell.append(button);
      this.headerCells.push(cell);
      header.append(cell);
    }
    this.body = document.createElement('vscode-table-body');
    this.body.setAttribute('slot', 'body');
    this.table.append(header, this.body);
    this.element.append(toolbar, this.table);
    this.body.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  /** Brings rows and cells up to date; `structure` rebuilds the row set. */
  update(structure: boolean): void {
    if (structure) this.syncRows();
    const focus = this.store.state.focusKey;
    for (const [key, view] of this.rows) {
      const row = this.store.rows.get(key)!;
      COLUMNS.forEach((column, i) => {
        const text = column.text(row, this.store);
        if (view.texts[i] === text) return;
        view.texts[i] = text;
        view.cells[i]!.data = text;
      });
      const selected = key === focus;
      if ((view.element.getAttribute('aria-current') === 'true') !== selected) {
        if (selected) view.element.setAttribute('aria-current', 'true');
        else view.element.removeAttribute('aria-current');
        view.element.classList.toggle('pv-selected', selected);
      }
    }
    this.reorder();
    for (const cell of this.headerCells) {
      const id = (cell.firstElementChild as HTMLElement).dataset.column;
      const sorted = id === this.sortColumn;
      cell.setAttribute('aria-sort', sorted ? (this.sortDescending ? 'descending' : 'ascending') : 'none');
      cell.classList.toggle('pv-sorted', sorted);
      (cell.firstElementChild as HTMLElement).dataset.direction = sorted ? (this.sortDescending ? 'descending' : 'ascending') : '';
    }
  }

  /** Re-colours the swatches (the theme changed). */
  recolor(): void {
    for (const [key, view] of this.rows) view.swatch.style.borderColor = this.colorOf(key);
  }

  private syncRows(): void {
    for (const [key, view] of this.rows) {
      if (!this.store.rows.has(key)) {
        view.element.remove();
        this.rows.delete(key);
      }
    }
    for (const row of this.store.rows.values()) {
      let view = this.rows.get(row.key);
      if (!view) {
        view = this.createRow(row);
        this.rows.set(row.key, view);
      }
      view.element.setAttribute('aria-label', `${row.name}, PID ${row.pid}${row.origin ? `, ${row.origin}` : ''}`);
      view.element.title = row.command;
      view.swatch.style.borderColor = this.colorOf(row.key);
    }
    this.order = [];
  }

  private createRow(row: ProcessRow): RowView {
    const element = document.createElement('vscode-table-row');
    element.tabIndex = 0;
    element.dataset.key = row.key;
    element.className = 'pv-row';
    const cells = COLUMNS.map((column) => {
      const cell = document.createElement('vscode-table-cell');
      cell.className = `pv-col-${column.id}${column.numeric ? ' pv-numeric' : ''}`;
      return cell;
    });
    // The process cell holds a colour swatch (the process's line colour) and the text.
    const swatch = document.createElement('span');
    swatch.className = 'pv-swatch';
    swatch.setAttribute('aria-hidden', 'true');
    const processText = document.createElement('span');
    processText.className = 'pv-process-name';
    cells[0]!.append(swatch, processText);
    const texts = [processText, ...cells.slice(1)].map((holder) => holder.appendChild(document.createTextNode('')));
    element.append(...cells);
    element.addEventListener('click', () => this.select(row.key));
    return { element, cells: texts, texts: COLUMNS.map(() => ''), swatch };
  }

  private select(key: string): void {
    // Selecting the focused row again goes back to all processes.
    this.onSelect(this.store.state.focusKey === key ? null : key);
  }

  private sortBy(columnId: string): void {
    if (this.sortColumn === columnId) this.sortDescending = !this.sortDescending;
    else {
      this.sortColumn = columnId;
      this.sortDescending = COLUMNS.find((c) => c.id === columnId)?.numeric ?? false;
    }
    this.update(false);
  }

  private reorder(): void {
    const column = COLUMNS.find((c) => c.id === this.sortColumn) ?? COLUMNS[0]!;
    const direction = this.sortDescending ? -1 : 1;
    const visible = [...this.store.rows.values()].filter((row) => this.matches(row));
    visible.sort((a, b) => {
      const va = column.sortValue(a, this.store);
      const vb = column.sortValue(b, this.store);
      const order = va < vb ? -1 : va > vb ? 1 : 0;
      return order * direction || a.pid - b.pid;
    });
    const keys = visible.map((r) => r.key);
    for (const [key, view] of this.rows) view.element.hidden = !keys.includes(key);
    this.count.textContent = `${keys.length} of ${this.store.rows.size}`;
    if (keys.length === this.order.length && keys.every((k, i) => k === this.order[i])) return;
    this.order = keys;
    const hidden = [...this.rows.keys()].filter((k) => !keys.includes(k));
    this.body.append(...[...keys, ...hidden].map((k) => this.rows.get(k)!.element));
  }

  private matches(row: ProcessRow): boolean {
    if (!this.filter) return true;
    return [row.name, row.command, String(row.pid), row.origin ?? ''].some((text) => text.toLowerCase().includes(this.filter));
  }

  private onKeyDown(event: KeyboardEvent): void {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.pv-row');
    if (!row?.dataset.key) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.select(row.dataset.key);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const index = this.order.indexOf(row.dataset.key);
      const next = this.order[index + (event.key === 'ArrowDown' ? 1 : -1)];
      if (next) this.rows.get(next)?.element.focus();
    }
  }
}
