// An S3 endpoint that accepts uploads and throws the bytes away, in its own process. It answers
// the calls the stage makes (PutObject, Create/Upload/Complete/AbortMultipartUpload) and nothing
// else. It stands in for a remote S3, whose CPU is not ours: s3rver writes every byte to disk and
// hashes it on the same 2 cores the stage runs on. Prints {"port":N} once it listens.
import { createServer } from 'node:http';

let uploads = 0;
const xml = (body) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const server = createServer((req, res) => {
  req.on('data', () => {}); // read and discard
  req.on('end', () => {
    const url = new URL(req.url, 'http://s3');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const etag = `"${(++uploads).toString(16).padStart(32, '0')}"`;
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        xml(
          `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>u${uploads}</UploadId></InitiateMultipartUploadResult>`,
        ),
      );
    }
    if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        xml(
          `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>${etag}</ETag></CompleteMultipartUploadResult>`,
        ),
      );
    }
    if (req.method === 'DELETE') {
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'PUT') {
      res.writeHead(200, { etag });
      return res.end();
    }
    res.writeHead(501, { 'content-type': 'application/xml' });
    res.end(xml(`<Error><Code>NotImplemented</Code><Message>${req.method} ${url.pathname}</Message></Error>`));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
