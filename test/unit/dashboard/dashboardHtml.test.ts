import { strict as assert } from 'node:assert';
import { contentSecurityPolicy, createNonce, dashboardHtml } from '../../../src/extension/dashboard/dashboardHtml';

const resources = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.css',
  codiconStyleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/codicon.css',
};

describe('dashboard page HTML and CSP', () => {
  it('allows nothing by default, the one script by nonce, and styles, fonts and images from the extension only', () => {
    const csp = contentSecurityPolicy(resources.cspSource, 'abc');
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    assert.deepEqual(directives, {
      'default-src': "'none'",
      'script-src': "'nonce-abc'",
      'style-src': resources.cspSource,
      'font-src': resources.cspSource,
      'img-src': `${resources.cspSource} data:`,
    });
    assert.doesNotMatch(csp, /unsafe/);
  });

  it('puts the policy first, loads styles from files and the one script with the nonce, with no inline style', () => {
    const html = dashboardHtml(resources, 'n0nce');
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="n0nce" src="[^"]+dashboard\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="[^"]+codicon\.css" id="vscode-codicon-stylesheet">/);
    assert.doesNotMatch(html, /<style|style="/);
  });

  it('makes a fresh 128-bit nonce each time', () => {
    const a = createNonce();
    assert.notEqual(a, createNonce());
    assert.equal(Buffer.from(a, 'base64').length, 16);
  });
});
