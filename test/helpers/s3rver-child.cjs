// Runs s3rver in its own process (started with --openssl-legacy-provider: without it
// ListObjectsV2 paging breaks on Node 20) and prints {"port":N} once it listens.
const S3rver = require('s3rver');
const dir = process.argv[2];
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  resetOnClose: true,
  allowMismatchedSignatures: true,
  configureBuckets: [{ name: 'upshift-test' }, { name: 'upshift-other' }],
});
server.run().then((addr) => {
  process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
});
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
