/**
 * The dashboard page's HTML and its Content-Security-Policy. Pure (no vscode import): the panel
 * passes the webview's cspSource and resource URIs as strings, so the policy is unit-tested.
 */
import { randomBytes } from 'node:crypto';

/** What the page loads, as webview URIs (`webview.asWebviewUri(...).toString()`). */
export interface DashboardPageResources {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** The codicon stylesheet; its element id is the one @vscode-elements looks up for icons. */
  readonly codiconStyleUri: string;
}

/** A fresh nonce for the page's one script: 128 random bits, base64. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The strict policy: nothing by default; the one script by nonce; styles, fonts and images only from
 * the extension's own files (images also as data: URLs, which chart PNG export needs).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The page: a skeleton the script fills in; it says what it is waiting for until data arrives. */
export function dashboardHtml(resources: DashboardPageResources, nonce: string = createNonce()): string {
  const csp = contentSecurityPolicy(resources.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(resources.codiconStyleUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${attribute(resources.styleUri)}">
<title>Process Vitals</title>
</head>
<body>
<main id="root" aria-busy="true"><p class="pv-waiting">Process Vitals dashboard: waiting for data from the extension.</p></main>
<script nonce="${attribute(nonce)}" src="${attribute(resources.scriptUri)}"></script>
</body>
</html>
`;
}
