import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Emitter, type Disposable } from '../events';
import type { AlertChangeEvent } from './AlertEngine';

/** Options of a WebhookChannel. */
export interface WebhookChannelOptions {
  /** Attempts per event, the first included. */
  readonly attempts?: number;
  /** Per attempt: the request is abandoned after this long. */
  readonly timeoutMs?: number;
  /** Delay before the second attempt; doubles for each further one. */
  readonly retryDelayMs?: number;
  /** Events waiting to be sent beyond this are dropped (oldest first) and reported once. */
  readonly maxQueued?: number;
}

/** The JSON body POSTed for each alert change. */
export interface WebhookPayload {
  readonly source: 'process-vitals';
  readonly version: 1;
  readonly change: AlertChangeEvent['change'];
  readonly alert: AlertChangeEvent['alert'];
}

/** Rejects a webhook URL a user typed that cannot work, with the reason. */
export function validateWebhookUrl(text: string): { url: URL } | { error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `"${text}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `${url.protocol} is not http: or https:` };
  return { url };
}

/**
 * Sends alert changes to a user's webhook as JSON POSTs, one at a time and in order, with a timeout
 * per attempt and retries with backoff. Failures are reported as warnings, never thrown; nothing
 * here keeps a process alive (sockets and timers are unref'd).
 */
export class WebhookChannel implements Disposable {
  private readonly queue: WebhookPayload[] = [];
  private sending = false;
  private disposed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly maxQueued: number;
  private readonly warningEmitter = new Emitter<string>();
  private readonly sentEmitter = new Emitter<WebhookPayload>();

  /** A delivery failed for good, or events were dropped. */
  readonly onWarning = this.warningEmitter.event;
  /** An event was delivered (2xx). */
  readonly onDidSend = this.sentEmitter.event;

  constructor(private readonly url: URL, options: WebhookChannelOptions = {}) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxQueued = options.maxQueued ?? 100;
  }

  /** Queues one alert change for delivery. */
  send(event: AlertChangeEvent): void {
    if (this.disposed) return;
    this.queue.push({ source: 'process-vitals', version: 1, change: event.change, alert: event.alert });
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueued).length;
      this.warningEmitter.fire(`webhook ${this.url.origin}: ${dropped} alert event(s) dropped, the endpoint is not keeping up`);
    }
    void this.drain();
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.queue.length = 0;
    this.warningEmitter.dispose();
    this.sentEmitter.dispose();
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length && !this.disposed) {
        const payload = this.queue[0];
        let lastError = '';
        for (let attempt = 1; attempt <= this.attempts && !this.disposed; attempt++) {
          lastError = await this.post(payload);
          if (!lastError) break;
          if (attempt < this.attempts) await this.delay(this.retryDelayMs * 2 ** (attempt - 1));
        }
        this.queue.shift();
        if (lastError) this.warningEmitter.fire(`webhook ${this.url.origin}: ${lastError} after ${this.attempts} attempt(s); alert ${payload.alert.id} ${payload.change} not delivered`);
        else this.sentEmitter.fire(payload);
      }
    } finally {
      this.sending = false;
    }
  }

  /** One attempt: '' on a 2xx answer, else what went wrong. */
  private post(payload: WebhookPayload): Promise<string> {
    const body = Buffer.from(JSON.stringify(payload));
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const done = (error: string) => {
        if (settled) return;
        settled = true;
        resolve(error);
      };
      const req = send(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'process-vitals' },
        timeout: this.timeoutMs,
      });
      req.on('socket', (socket) => socket.unref());
      req.on('timeout', () => {
        req.destroy();
        done(`no answer within ${this.timeoutMs} ms`);
      });
      req.on('error', (error) => done(error.message));
      req.on('response', (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        done(status >= 200 && status < 300 ? '' : `HTTP ${status}`);
      });
      req.end(body);
    });
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref();
    });
  }
}
