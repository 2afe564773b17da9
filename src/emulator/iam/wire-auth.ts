// Password authentication of temporary users on the wire endpoint (md5, as Redshift asks for it).
// Other users connect as before, without a password: the emulator trusts them as its backend does.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SessionLogin } from '../session.js';
import { FrameReader, errorResponse, int32, message, type Frame } from '../wire.js';
import type { TemporaryUsers } from './users.js';

/** What the startup of a connection decided: run as a temporary user, as the backend user, or refused. */
export type Admission = { login: SessionLogin | undefined } | 'refused';

export async function admit(socket: Socket, user: string, users: TemporaryUsers): Promise<Admission> {
  if (!users.knows(user)) return { login: undefined };
  const salt = randomBytes(4);
  socket.write(message('R', Buffer.concat([int32(5), salt])));
  const frame = await nextFrame(socket);
  const response = frame?.type === 'p' ? frame.frame.toString('utf8', 5, frame.frame.length - 1) : '';
  const check = users.check(user, response, salt);
  if (!check.ok) return refuse(socket, '28P01', `password authentication failed for user "${user}"`);
  // GetClusterCredentials without AutoCreate hands out credentials for a user that may not exist.
  if (!(await users.roleExists(check.role))) return refuse(socket, '28000', `user "${check.role}" does not exist`);
  return { login: { role: check.role } };
}

function refuse(socket: Socket, code: string, text: string): 'refused' {
  socket.end(errorResponse({ S: 'FATAL', C: code, M: text }));
  return 'refused';
}

/** The client's next message (its PasswordMessage), or undefined when it goes away first. */
function nextFrame(socket: Socket): Promise<Frame | undefined> {
  const reader = new FrameReader();
  return new Promise((resolve) => {
    const done = (f: Frame | undefined): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(f);
    };
    const onData = (chunk: Buffer): void => {
      const f = reader.push(chunk)[0];
      if (f) done(f);
    };
    const onClose = (): void => done(undefined);
    socket.on('data', onData);
    socket.on('close', onClose);
    // pg-gateway pauses the socket while its startup hook runs.
    socket.resume();
  });
}
