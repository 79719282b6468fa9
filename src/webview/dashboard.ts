/**
 * The dashboard page's script (dist/webview/dashboard.js). The live dashboard is its own work item;
 * this entry keeps the browser bundle, its DOM type check and its CSP-friendly loading in the build
 * from the first day, and shows the one thing it can honestly show: that data has not arrived yet.
 */
const root = document.getElementById('root');
if (root) {
  root.textContent = 'Process Vitals dashboard: waiting for data from the extension.';
}
