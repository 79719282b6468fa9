import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../../src/monitor/alerts/AlertEngine';
import { validateWebhookUrl, WebhookChannel, type WebhookPayload } from '../../../src/monitor/alerts/WebhookChannel';

const alert: Alert = {
  id: 'alert-1', key: '1@1|cpu', processKey: '1@1', pid: 1, processName: 'node', rule: 'cpu', state: 'firing', severity: 'warning',
  message: 'CPU 95% (over 90%)', value: 95, threshold: 90, peakValue: 95, firedAt: 1, changedAt: 1, escalations: 0,
};

/** A local webhook receiver whose answers the test scripts. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const bodies: WebhookPayload[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      n++;
      bodies.push(JSON.parse(body));
      answer(req, res, n);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())), calls: () => n };
}

function once<T>(event: (l: (v: T) => void) => { dispose(): void }): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((v) => {
      sub.dispose();
      resolve(v);
    });
  });
}

describe('WebhookChannel against a local HTTP server', () => {
  it('POSTs the alert change as JSON', async () => {
    const r = await receiver((req, res) => {
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/json');
      res.writeHead(204).end();
    });
    const channel = new WebhookChannel(r.url);
    try {
      const sent = once(channel.onDidSend);
      channel.send({ change: 'fired', alert });
      await sent;
      assert.deepEqual(r.bodies, [{ source: 'process-vitals', version: 1, change: 'fired', alert }]);
    } finally {
      channel.dispose();
      await r.close();
    }
  });

  it('retries a failing endpoint and delivers in order', async () => {
    const r = await receiver((_req, res, n) => res.writeHead(n === 1 ? 503 : 200).end());
    const channel = new WebhookChannel(r.url, { retryDelayMs: 10 });
    try {
      const delivered: string[] = [];
      channel.onDidSend((p) => delivered.push(p.change));
      const second = new Promise<void>((resolve) => channel.onDidSend((p) => p.change === 'resolved' && resolve()));
      channel.send({ change: 'fired', alert });
      channel.send({ change: 'resolved', alert: { ...alert, state: 'resolved' } });
      await second;
      assert.deepEqual(delivered, ['fired', 'resolved']);
      assert.equal(r.calls(), 3);
    } finally {
      channel.dispose();
      await r.close();
    }
  });

  it('gives up after its attempts with one warning when the endpoint never answers in time', async () => {
    const r = await receiver(() => undefined); // never answers
    const channel = new WebhookChannel(r.url, { attempts: 2, timeoutMs: 200, retryDelayMs: 10 });
    try {
      const warning = once(channel.onWarning);
      channel.send({ change: 'fired', alert });
      assert.match(await warning, /no answer within 200 ms after 2 attempt\(s\); alert alert-1 fired not delivered/);
    } finally {
      channel.dispose();
      await r.close();
    }
  });

  it('reports a refused connection without throwing', async () => {
    const r = await receiver((_q, res) => res.end());
    const url = r.url;
    await r.close();
    const channel = new WebhookChannel(url, { attempts: 1 });
    try {
      const warning = once(channel.onWarning);
      channel.send({ change: 'fired', alert });
      assert.match(await warning, /ECONNREFUSED/);
    } finally {
      channel.dispose();
    }
  });

  const urls: Array<[string, RegExp | null]> = [
    ['https://hooks.example.test/pv', null],
    ['http://127.0.0.1:9/x', null],
    ['ftp://example.test/', /ftp: is not http: or https:/],
    ['not a url', /is not a URL/],
  ];
  for (const [text, error] of urls) {
    it(`validates ${JSON.stringify(text)}`, () => {
      const result = validateWebhookUrl(text);
      if (error) assert.match('error' in result ? result.error : '', error);
      else assert.ok('url' in result);
    });
  }
});
