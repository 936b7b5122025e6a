// The observability endpoint: GET /health (JSON; 200 unless unhealthy, then 503) and
// GET /metrics (Prometheus text). Bound to 127.0.0.1 unless configured otherwise.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthReport } from './runtime-manager.js';

export class HttpEndpoint {
  readonly #server: Server;
  #port = 0;

  constructor(health: () => Promise<HealthReport>, registry: Registry, log: (message: string) => void) {
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/health') {
        health().then(
          (h) => res.writeHead(h.status === 'unhealthy' ? 503 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify(h)),
          (err) => res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'unhealthy', error: String(err) })),
        );
      } else if (path === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
          (err) => {
            log(`metrics failed: ${(err as Error).message}`);
            res.writeHead(500).end();
          },
        );
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /health or /metrics\n');
      }
    });
  }

  get port(): number {
    return this.#port;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host }, () => {
        this.#server.off('error', reject);
        const a = this.#server.address();
        this.#port = a !== null && typeof a === 'object' ? a.port : port;
        resolve(this.#port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
