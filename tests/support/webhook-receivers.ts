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

function portOf(server: HttpServer | TcpServer): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function urlOf(server: HttpServer | TcpServer, scheme: string, host: string): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${portOf(server)}/hooks`;
}

async function listen(server: HttpServer | TcpServer, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
}

/** Tracks sockets so close() ends them even while a request hangs. */
function trackSockets(server: HttpServer | TcpServer): { sockets: Set<Socket>; count: () => number } {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { sockets, count: () => count };
}

async function closeServer(server: HttpServer | TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
  const tracked = trackSockets(server);
  const host = options.host ?? '127.0.0.1';
  await listen(server, host);
  return {
    url: urlOf(server, 'http', host),
    port: portOf(server),
    received,
    get connections() {
      return tracked.count();
    },
    close: () => closeServer(server, tracked.sockets),
  };
}

/** Accepts connections and never answers a byte: the endpoint that held every tenant's webhooks. */
export async function startHangingEndpoint(host = '127.0.0.1'): Promise<TestEndpoint> {
  const server = createTcpServer(() => undefined);
  const tracked = trackSockets(server);
  await listen(server, host);
  return {
    url: urlOf(server, 'http', host),
    port: portOf(server),
    get connections() {
      return tracked.count();
    },
    close: () => closeServer(server, tracked.sockets),
  };
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
  const tracked = trackSockets(server);
  await listen(server, host);
  return {
    url: urlOf(server, 'http', host),
    port: portOf(server),
    get connections() {
      return tracked.count();
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      await closeServer(server, tracked.sockets);
    },
  };
}
