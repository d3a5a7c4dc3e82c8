import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { StartupError } from './preflight.ts';

export class PortInUseError extends StartupError {}

/** Listens on 127.0.0.1 only; resolves with the bound port (useful with port 0). */
export function listenOn(server: Server, port: number, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`Port ${port} is already in use: stop what holds it, or set ${variable} to another port.`)
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Stops accepting and drops open keep-alive connections, so a stop never waits for idle clients. */
export function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
