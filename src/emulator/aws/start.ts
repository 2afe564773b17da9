// The AWS endpoint's parts put together: credentials, the Data API, the HTTP listener.
import type { EmulatorContext } from '../context.js';
import { CredentialsService, type CredentialsFailure, type CredentialsOptions } from '../iam/credentials.js';
import type { TemporaryUsers } from '../iam/users.js';
import { DataApiService, type DataApiServiceOptions } from '../data-api/service.js';
import { startAwsEndpoint, type AwsRequest } from './server.js';

/** The AWS endpoint's options: its port, the credentials calls' and the Data API's. */
export interface DataApiOptions extends CredentialsOptions, DataApiServiceOptions {
  /** Port of the HTTP endpoint (0 or omitted: a free port); it listens on the emulator's host. */
  port?: number | undefined;
}

/** The AWS endpoint, for tests: what clients sent, and failures to inject. */
export interface AwsControl {
  /** Every request received, in order: `{ service, action, body }`. */
  requests: AwsRequest[];
  /** Answers the next `count` calls (of `action` only, when given) with ThrottlingException. */
  throttle(count: number, action?: string): void;
  /** Makes every credentials call fail so until called with `undefined`. */
  failCredentials(failure: CredentialsFailure): void;
}

export interface RunningAws {
  url: string;
  control: AwsControl;
  close(): Promise<void>;
}

export async function startAws(
  ctx: EmulatorContext,
  users: TemporaryUsers,
  host: string,
  options: DataApiOptions,
): Promise<RunningAws> {
  const credentials = new CredentialsService(users, options);
  const dataApi = new DataApiService(ctx, users, credentials, options);
  const endpoint = await startAwsEndpoint({ port: options.port, host }, credentials, dataApi);
  return {
    url: endpoint.url,
    control: {
      requests: endpoint.requests,
      throttle: (count, action) => endpoint.throttle(count, action),
      failCredentials(failure) {
        credentials.failure = failure;
      },
    },
    async close() {
      await endpoint.close();
      await dataApi.close();
    },
  };
}
