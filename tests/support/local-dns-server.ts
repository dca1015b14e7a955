import { createSocket, type RemoteInfo } from 'node:dgram';
import { AUTHORITATIVE_ANSWER, decode, encode, RECURSION_AVAILABLE, type Answer } from 'dns-packet';

/** NXDOMAIN, the response code for a name that does not exist (RFC 1035). */
const NAME_ERROR = 3;

/**
 * The addresses a name answers for one A or AAAA query: `asked` counts this name's earlier queries of
 * that type (0 for the first), so a test can answer differently over time (DNS rebinding). Undefined:
 * the name does not exist.
 */
export type DnsAnswers = (name: string, type: 'A' | 'AAAA', asked: number) => readonly string[] | undefined;

/**
 * A DNS server on a UDP port of 127.0.0.1 for tests: the hub's resolver is pointed at it
 * (OUTBOUND_DNS_SERVERS), so names go through real DNS queries and answers, with TTL 0.
 */
export class LocalDnsServer {
  readonly queries: { readonly name: string; readonly type: string }[] = [];

  private constructor(
    private readonly socket: ReturnType<typeof createSocket>,
    readonly address: string,
  ) {}

  static async start(answers: DnsAnswers): Promise<LocalDnsServer> {
    const socket = createSocket('udp4');
    const asked = new Map<string, number>();
    let server: LocalDnsServer | undefined;
    socket.on('message', (message: Buffer, peer: RemoteInfo) => {
      const query = decode(message);
      const question = query.questions?.[0];
      if (!question) return;
      const name = question.name.toLowerCase();
      server?.queries.push({ name, type: question.type });
      const type = question.type === 'AAAA' ? 'AAAA' : question.type === 'A' ? 'A' : undefined;
      const key = `${type} ${name}`;
      const count = asked.get(key) ?? 0;
      asked.set(key, count + 1);
      const addresses = type === undefined ? [] : answers(name, type, count);
      const records: Answer[] = (addresses ?? []).map((data) => ({ type: type as 'A' | 'AAAA', name: question.name, ttl: 0, class: 'IN', data }));
      const response = encode({
        type: 'response',
        id: query.id,
        flags: AUTHORITATIVE_ANSWER | RECURSION_AVAILABLE | (addresses === undefined ? NAME_ERROR : 0),
        questions: query.questions,
        answers: records,
      });
      socket.send(response, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    server = new LocalDnsServer(socket, `127.0.0.1:${socket.address().port}`);
    return server;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
