import WebSocket from 'ws';

/** How a graphql-ws connection_init ends: acknowledged, or the socket's close code. */
export async function connectionOutcome(url: string, token: string, headers: Record<string, string> = {}): Promise<'ack' | number> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  try {
    return await new Promise<'ack' | number>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve('ack');
      });
      socket.on('close', (code) => resolve(code));
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}
