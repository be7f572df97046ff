// `ipc-inspector serve --listen 127.0.0.1:9479`: /metrics over HTTP for Prometheus to scrape, read
// afresh on every scrape (one read at a time: scrapes that arrive together share it). OpenMetrics
// when the scraper asks for it (Prometheus does), else the classic text format, the same lines.
// Listens where it is told only: 127.0.0.1 by default, because the metrics name other users'
// objects and processes.
import * as http from 'http';
import * as l10n from '../shared/l10n';
import { UsageError } from './exit';
import { METRICS_NEEDS, openMetrics, OPENMETRICS_TYPE, PROMETHEUS_TEXT_TYPE } from './metrics';
import type { CliSession } from './session';
import type { Output } from './terminal';

export interface ServeArgs {
  listen: string;
}

/** host:port, [v6]:port or :port (127.0.0.1), checked. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(l10n.t('--listen takes HOST:PORT, e.g. 127.0.0.1:9479 or [::1]:9479 (got {0}).', text));
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export async function serve(session: CliSession, out: Output, args: ServeArgs): Promise<number> {
  const { host, port } = parseListen(args.listen);
  let reading: Promise<string> | undefined;
  const metrics = () => {
    reading ??= session
      .snapshot(METRICS_NEEDS)
      .then(openMetrics)
      .finally(() => (reading = undefined));
    return reading;
  };
  const server = http.createServer((request, response) => {
    // The path as sent (an absolute-form target's scheme and host dropped), up to any query: not
    // through URL, which throws on a target such as "//[" (one bad request must not end the server)
    // and reads "//metrics" as a host.
    const pathname = (request.url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '') || '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (pathname === '/') {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('IPC Inspector: metrics at /metrics\n');
      return;
    }
    if (pathname !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
      return;
    }
    const type = /application\/openmetrics-text/.test(request.headers.accept ?? '') ? OPENMETRICS_TYPE : PROMETHEUS_TEXT_TYPE;
    metrics().then(
      (body) => response.writeHead(200, { 'Content-Type': type }).end(request.method === 'HEAD' ? undefined : body),
      (error: Error) => {
        out.error(error.message);
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${error.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES'
          ? new UsageError(l10n.t('Cannot listen on {0}: {1}', args.listen, error.code))
          : error,
      ),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const shown =
    typeof address === 'object' && address ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : args.listen;
  out.progress(l10n.t('ipc-inspector: serving http://{0}/metrics', shown));
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
  return 0;
}
