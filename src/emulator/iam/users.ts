// Temporary database users: the credentials calls create (or renew) a role on the backend with a
// password and VALID UNTIL, and the wire endpoint checks a login's password and expiry here.
// Roles this emulator created are members of the backend URL's user (so they see what it sees)
// and are dropped when it closes.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../sql.js';
import { isIamUser } from './identity.js';

export interface TemporaryCredential {
  /** The user name to log in with (`IAM:alice`, `IAMR:loader`). */
  login: string;
  password: string;
  expires: Date;
}

export interface IssueRequest {
  /** The login name handed out. */
  login: string;
  /** The database role the login runs as (GetClusterCredentials: DbUser; IAM: the login itself). */
  role: string;
  seconds: number;
  /** Create the role when missing (AutoCreate; always for IAM users). */
  create: boolean;
  /** Roles (Redshift groups) the user joins, created when missing. */
  groups?: string[];
}

interface Issued {
  role: string;
  password: string;
  expires: number;
}

export type LoginCheck = { ok: true; role: string } | { ok: false };

const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

/** The md5 password message a client sends for `password` (Postgres's md5 authentication). */
export const md5Response = (user: string, password: string, salt: Buffer): string =>
  'md5' + md5(Buffer.concat([Buffer.from(md5(password + user)), salt]));

export class TemporaryUsers {
  private issued = new Map<string, Issued[]>();
  private created = new Set<string>();
  private ensured = new Set<string>();
  private mainUser: Promise<string> | undefined;

  constructor(private readonly admin: pg.Pool) {}

  /** Whether a login name is a temporary user's (it must then authenticate). */
  knows(login: string): boolean {
    return this.issued.has(login) || isIamUser(login);
  }

  async issue(req: IssueRequest): Promise<TemporaryCredential> {
    const password = randomBytes(36).toString('base64');
    const expires = new Date(Date.now() + req.seconds * 1000);
    const list = this.issued.get(req.login) ?? [];
    list.push({ role: req.role, password, expires: expires.getTime() });
    this.issued.set(req.login, list);
    const until = new Date(Math.max(...list.map((i) => i.expires)));
    await this.ensureRole(req, password, until);
    return { login: req.login, password, expires };
  }

  /** Checks a login's md5 password message against its unexpired credentials. */
  check(login: string, response: string, salt: Buffer): LoginCheck {
    const now = Date.now();
    for (const i of this.issued.get(login) ?? []) {
      if (i.expires > now && md5Response(login, i.password, salt) === response) return { ok: true, role: i.role };
    }
    return { ok: false };
  }

  async roleExists(role: string): Promise<boolean> {
    const r = await this.admin.query('select 1 from pg_catalog.pg_roles where rolname = $1', [role]);
    return r.rowCount !== 0;
  }

  /** The role an IAM identity's statements run as (the Data API), created once when missing. */
  async ensureIamRole(role: string): Promise<void> {
    if (this.ensured.has(role)) return;
    await this.withRoleLock(async (client) => {
      if (!(await exists(client, role))) await this.createRole(client, role, 'nologin');
    });
    this.ensured.add(role);
  }

  private async ensureRole(req: IssueRequest, password: string, until: Date): Promise<void> {
    const main = await this.main();
    const login = `login password ${quoteLiteral(password)} valid until ${quoteLiteral(until.toISOString())}`;
    await this.withRoleLock(async (client) => {
      const present = await exists(client, req.role);
      if (!present && req.create) await this.createRole(client, req.role, login);
      else if (present && req.role !== main && (this.created.has(req.role) || isIamUser(req.role)))
        await client.query(`alter role ${quoteIdent(req.role)} ${login}`);
      if (!present && !req.create) return;
      for (const g of req.groups ?? []) {
        if (!(await exists(client, g))) await this.createRole(client, g, 'nologin', false);
        await client.query(`grant ${quoteIdent(g)} to ${quoteIdent(req.role)}`);
      }
    });
  }

  private async createRole(client: pg.PoolClient, role: string, attributes: string, member = true): Promise<void> {
    const inMain = member ? ` in role ${quoteIdent(await this.main())}` : '';
    await client.query(`create role ${quoteIdent(role)} ${attributes}${inMain}`);
    this.created.add(role);
  }

  /** Role changes one at a time across emulators (concurrent ALTER ROLEs of one role fail in Postgres). */
  private async withRoleLock(f: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.admin.connect();
    try {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('upshift-emulator:roles'))`);
      await f(client);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  private main(): Promise<string> {
    this.mainUser ??= this.admin.query<{ u: string }>('select current_user as u').then((r) => r.rows[0]!.u);
    return this.mainUser;
  }

  /** Drops the roles this emulator created; what they own passes to the backend URL's user. */
  async close(): Promise<void> {
    if (this.created.size === 0) return;
    const main = quoteIdent(await this.main());
    for (const role of this.created) {
      const r = quoteIdent(role);
      await this.admin
        .query(`reassign owned by ${r} to ${main}; drop owned by ${r}; drop role ${r}`)
        .catch(() => undefined);
    }
    this.created.clear();
    this.ensured.clear();
  }
}

async function exists(client: pg.PoolClient, role: string): Promise<boolean> {
  const r = await client.query('select 1 from pg_catalog.pg_roles where rolname = $1', [role]);
  return r.rowCount !== 0;
}
