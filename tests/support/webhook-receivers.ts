import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';

/** One webhook request as a receiver saw it, parsed. */
export interface ReceivedWebhook {
  readonly at: number;
  readonly eventId: string;
  readonly type: string;
  readonly body: Record<string, any>;
}

/** A local endpoint the tests register as a webhook URL. */
export interface TestEndpoint {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far (a refused address must never see one). */
  readonly connections: number;
  close(): Promise<void>;
}

export interface HealthyReceiver extends TestEndpoint {
  readonly received: ReceivedWebhook[];
}

/**
 * Listens on `host` (port 0) and describes the server as a TestEndpoint: its URL and port, the
 * connections it accepted, and a close() that ends them even while a request hangs. `beforeClose` runs first.
 */
async function serve(server: HttpServer | TcpServer, host: string, beforeClose: () => void = () => undefined): Promise<TestEndpoint> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/hooks`,
    port,
    get connections() {
      return connections;
    },
    async close() {
      beforeClose();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of incoming) text += String(chunk);
  return text;
}

/**
 * Answers every webhook with `status` (default 204; a function is asked each time) after `delayMs`
 * (0: at once) and keeps what it received. `host` picks the loopback address it listens on.
 */
export async function startHealthyReceiver(options: { status?: number | (() => number); delayMs?: number; host?: string } = {}): Promise<HealthyReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createHttpServer((incoming, outgoing) => {
    void readBody(incoming).then((text) => {
      received.push({
        at: Date.now(),
        eventId: String(incoming.headers['x-identityhub-event-id']),
        type: String(incoming.headers['x-identityhub-event-type']),
        body: JSON.parse(text) as Record<string, any>,
      });
      const answer = () => {
        outgoing.statusCode = typeof options.status === 'function' ? options.status() : (options.status ?? 204);
        outgoing.end();
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  const endpoint = await serve(server, options.host ?? '127.0.0.1');
  return Object.assign(endpoint, { received });
}

/** Accepts connections and never answers a byte: the endpoint that held every tenant's webhooks. */
export async function startHangingEndpoint(host = '127.0.0.1'): Promise<TestEndpoint> {
  return serve(createTcpServer(() => undefined), host);
}

/** Answers 200 at once, then sends the body one byte a second, forever (slowloris in reverse). */
export async function startTricklingEndpoint(host = '127.0.0.1'): Promise<TestEndpoint> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createHttpServer((incoming, outgoing) => {
    incoming.resume();
    outgoing.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => outgoing.write('.'), 1000);
    timers.add(timer);
    outgoing.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  return serve(server, host, () => {
    for (const timer of timers) clearInterval(timer);
  });
}
