/**
 * The dashboard page's entry (dist/webview/dashboard.js, loaded with the page's nonce). Validates
 * every host message before use, saves the view state for the panel serializer, and reports CSP
 * violations and uncaught errors to the host, which logs them.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { DashboardView, RECEIVE_MEASURE } from './DashboardView';
import { PROTOCOL_VERSION, parseToWebview, parseViewStateOrUndefined, type DashboardViewState, type ToHostMessage } from './protocol';

/** The API VS Code injects into webviews. */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: ToHostMessage) => vscode.postMessage(message);

// Reported before anything else runs, so a violation during start-up is not missed.
let violations = 0;
document.addEventListener('securitypolicyviolation', (event) => {
  violations++;
  document.body.dataset.cspViolations = String(violations);
  post({
    v: PROTOCOL_VERSION,
    type: 'cspViolation',
    directive: String(event.effectiveDirective || event.violatedDirective).slice(0, 500),
    blockedUri: String(event.blockedURI).slice(0, 1000),
    sourceFile: `${String(event.sourceFile).slice(0, 900)}${event.lineNumber ? `:${event.lineNumber}` : ''}`,
  });
});
window.addEventListener('error', (event) => {
  post({ v: PROTOCOL_VERSION, type: 'pageError', message: String(event.error?.stack ?? event.message).slice(0, 4000) });
});
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason as { stack?: string } | undefined;
  post({ v: PROTOCOL_VERSION, type: 'pageError', message: String(reason?.stack ?? event.reason).slice(0, 4000) });
});

const root = document.getElementById('root');
if (root) {
  const view = new DashboardView(
    root,
    post,
    (state: DashboardViewState) => vscode.setState(state),
    parseViewStateOrUndefined(vscode.getState()),
  );
  const reported = new Set<string>();
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const started = performance.now();
    const parsed = parseToWebview(event.data);
    if (!parsed.ok) {
      // Report each kind of bad message once; a stream of them must not flood the host.
      if (!reported.has(parsed.error) && reported.size < 20) {
        reported.add(parsed.error);
        post({ v: PROTOCOL_VERSION, type: 'pageError', message: `invalid message from the host: ${parsed.error}` });
      }
      return;
    }
    view.receive(parsed.value);
    performance.measure(RECEIVE_MEASURE, { start: started, end: performance.now() });
    performance.clearMeasures(RECEIVE_MEASURE);
  });
  window.addEventListener('unload', () => view.dispose());
  post({ v: PROTOCOL_VERSION, type: 'ready' });
}
